# Check export JSON events (one per line) against tests/data/tetragon-schema.txt:
#   jq -r --rawfile table tests/data/tetragon-schema.txt -f tests/lib/check-schema.jq FILE
# prints one line per violation ("event LINE PATH: what is wrong"), nothing when all is well.

# {"Message": {"field": "type"}} from the table's lines.
def schema:
  [$table | split("\n")[] | select(test("^[A-Z]")) | split(" ") | select(length >= 3)]
  | reduce .[] as $row ({}; .[$row[0]][$row[1]] = $row[2]);

def violation($path; $what): "\($path): \($what)";

def check($s; $t; $path):
  if ($t | startswith("[")) then
    if type == "array" then
      to_entries[] as $e | $e.value | check($s; $t[1:-1]; "\($path)[\($e.key)]")
    else violation($path; "not a list of \($t[1:-1])") end
  elif $t == "string" or $t == "enum" then
    if type == "string" then empty else violation($path; "not a string") end
  elif $t == "bytes" then
    if type == "string" and test("^[A-Za-z0-9+/]*={0,2}$") then empty
    else violation($path; "not base64") end
  elif $t == "Timestamp" then
    if type == "string" and test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?Z$") then empty
    else violation($path; "not an RFC 3339 UTC time") end
  elif $t == "bool" then
    if type == "boolean" then empty else violation($path; "not a boolean") end
  elif $t == "uint32" then
    if type == "number" and . == floor and . >= 0 and . <= 4294967295 then empty
    else violation($path; "not a uint32") end
  elif $t == "int32" then
    if type == "number" and . == floor and . >= -2147483648 and . <= 2147483647 then empty
    else violation($path; "not an int32") end
  elif $t == "uint64" then
    if type == "string" and test("^[0-9]+$") then empty
    else violation($path; "not a uint64 (a decimal string)") end
  elif $t == "int64" then
    if type == "string" and test("^-?[0-9]+$") then empty
    else violation($path; "not an int64 (a decimal string)") end
  elif $s[$t] then
    if type == "object" then
      to_entries[] as $e
      | ($s[$t][$e.key]) as $ft
      | if $ft == null then violation("\($path).\($e.key)"; "not a field of \($t)")
        else $e.value | check($s; $ft; "\($path).\($e.key)") end
    else violation($path; "not an object (\($t))") end
  else violation($path; "unknown type \($t) in the table") end;

schema as $s
| check($s; "GetEventsResponse"; "event \(input_line_number)")
