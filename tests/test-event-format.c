/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "event-format.h"
#include "macro.h"

/* cmocka needs the headers above first */
#include <cmocka.h>

static json_t *parse(const char *text) {
        json_error_t error;
        json_t *j = json_loads(text, 0, &error);

        if (!j)
                fail_msg("bad test JSON at %d:%d: %s", error.line, error.column, error.text);
        return j;
}

static void assert_compact(const char *text, const char *want) {
        _cleanup_free_ char *line = NULL;
        json_t *j = parse(text);

        assert_int_equal(event_format_compact(j, &line), 0);
        assert_string_equal(line, want);
        json_decref(j);
}

/* An exec of binary with these (already joined) arguments, built by hand so
 * the strings may hold any bytes, even ones json_loads() would refuse. */
static void assert_exec_with_arguments(const char *args, size_t len, const char *want) {
        _cleanup_free_ char *line = NULL;
        json_t *j = parse("{\"process_exec\":{\"process\":{\"binary\":\"/usr/bin/echo\"}}}");
        json_t *p = json_object_get(json_object_get(j, "process_exec"), "process");

        assert_int_equal(json_object_set_new(p, "arguments", json_stringn_nocheck(args, len)), 0);
        assert_int_equal(event_format_compact(j, &line), 0);
        assert_string_equal(line, want);
        json_decref(j);
}

#define ASSERT_EXEC_ARGS(args, want) assert_exec_with_arguments((args), sizeof(args) - 1, (want))

static void test_exec(void **state) {
        assert_compact("{\"process_exec\":{\"process\":{\"binary\":\"/usr/bin/curl\","
                       "\"arguments\":\"https://ebpf.io/\"},\"parent\":{\"binary\":\"/bin/sh\"}},"
                       "\"node_name\":\"host1\",\"time\":\"2023-11-14T22:13:25.123456789Z\"}",
                       "🚀 process /usr/bin/curl https://ebpf.io/");
}

static void test_exec_empty_arguments(void **state) {
        assert_compact("{\"process_exec\":{\"process\":{\"binary\":\"/usr/bin/true\"}}}",
                       "🚀 process /usr/bin/true");
        assert_compact("{\"process_exec\":{\"process\":{\"binary\":\"/usr/bin/true\","
                       "\"arguments\":\"\"}}}",
                       "🚀 process /usr/bin/true");
}

static void test_exit(void **state) {
        assert_compact("{\"process_exit\":{\"process\":{\"binary\":\"/usr/bin/curl\","
                       "\"arguments\":\"https://ebpf.io/\"},\"status\":0}}",
                       "💥 exit /usr/bin/curl https://ebpf.io/ 0");
        assert_compact("{\"process_exit\":{\"process\":{\"binary\":\"/usr/bin/false\"},"
                       "\"status\":1}}",
                       "💥 exit /usr/bin/false 1");
        /* Tetragon itself leaves a zero status out. */
        assert_compact("{\"process_exit\":{\"process\":{\"binary\":\"/usr/bin/curl\","
                       "\"arguments\":\"https://ebpf.io/\"}}}",
                       "💥 exit /usr/bin/curl https://ebpf.io/ 0");
        assert_compact("{\"process_exit\":{\"process\":{\"binary\":\"/usr/bin/sleep\","
                       "\"arguments\":\"10\"},\"signal\":\"SIGKILL\"}}",
                       "💥 exit /usr/bin/sleep 10 SIGKILL");
}

static void test_kprobe(void **state) {
        /* size_arg is a uint64: protojson writes it as a string. */
        assert_compact("{\"process_kprobe\":{\"process\":{\"binary\":\"/usr/bin/sh\"},"
                       "\"function_name\":\"__x64_sys_write\",\"args\":[{\"file_arg\":{\"path\":"
                       "\"/tmp/passwd\"}},{\"bytes_arg\":\"aGVsbG8=\"},{\"size_arg\":\"5\"}],"
                       "\"action\":\"KPROBE_ACTION_SIGKILL\"}}",
                       "📝 write /usr/bin/sh /tmp/passwd 5 bytes [SIGKILL]");
        assert_compact("{\"process_kprobe\":{\"process\":{\"binary\":\"/usr/bin/cat\"},"
                       "\"function_name\":\"__arm64_sys_read\",\"args\":[{\"file_arg\":{\"path\":"
                       "\"/etc/shadow\"}},{},{\"size_arg\":4096}],"
                       "\"action\":\"KPROBE_ACTION_POST\"}}",
                       "📚 read /usr/bin/cat /etc/shadow 4096 bytes");
        assert_compact("{\"process_kprobe\":{\"process\":{\"binary\":\"/usr/bin/vi\"},"
                       "\"function_name\":\"fd_install\",\"args\":[{\"int_arg\":3},"
                       "{\"file_arg\":{\"path\":\"/etc/passwd\"}}]}}",
                       "📬 open /usr/bin/vi /etc/passwd");
        assert_compact("{\"process_kprobe\":{\"process\":{\"binary\":\"/usr/bin/vi\"},"
                       "\"function_name\":\"__x64_sys_close\",\"args\":[{\"file_arg\":{\"path\":"
                       "\"/etc/passwd\"}}]}}",
                       "📪 close /usr/bin/vi /etc/passwd");
        assert_compact("{\"process_kprobe\":{\"process\":{\"binary\":\"/usr/bin/curl\"},"
                       "\"function_name\":\"tcp_connect\",\"args\":[{\"sock_arg\":{\"saddr\":"
                       "\"10.0.0.2\",\"sport\":40000,\"daddr\":\"1.2.3.4\",\"dport\":443}}]}}",
                       "🔌 connect /usr/bin/curl tcp 10.0.0.2:40000 -> 1.2.3.4:443");
        assert_compact("{\"process_kprobe\":{\"process\":{\"binary\":\"/usr/bin/cat\"},"
                       "\"function_name\":\"security_file_permission\",\"args\":[{\"file_arg\":"
                       "{\"path\":\"/etc/shadow\"}},{\"int_arg\":4}],"
                       "\"action\":\"KPROBE_ACTION_OVERRIDE\"}}",
                       "📚 read /usr/bin/cat /etc/shadow [OVERRIDE]");
        assert_compact("{\"process_kprobe\":{\"process\":{\"binary\":\"/usr/bin/ld\"},"
                       "\"function_name\":\"security_mmap_file\",\"args\":[{\"file_arg\":"
                       "{\"path\":\"/lib/libc.so.6\"}},{\"uint_arg\":5}]}}",
                       "📝 mmap-rx /usr/bin/ld /lib/libc.so.6");
        /* Anything else: the generic line, with the full function name. */
        assert_compact("{\"process_kprobe\":{\"process\":{\"binary\":\"/usr/bin/x\"},"
                       "\"function_name\":\"__x64_sys_unlinkat\",\"args\":[]}}",
                       "❓ syscall /usr/bin/x __x64_sys_unlinkat");
}

static void test_tracepoint(void **state) {
        assert_compact("{\"process_tracepoint\":{\"process\":{\"binary\":\"/usr/bin/sh\"},"
                       "\"subsys\":\"syscalls\",\"event\":\"sys_enter_write\","
                       "\"action\":\"KPROBE_ACTION_SIGKILL\"}}",
                       "⁉️ tracepoint /usr/bin/sh syscalls sys_enter_write [SIGKILL]");
        assert_compact("{\"process_tracepoint\":{\"process\":{\"binary\":\"/usr/bin/sh\"},"
                       "\"subsys\":\"raw_syscalls\",\"event\":\"sys_enter\",\"args\":"
                       "[{\"long_arg\":\"1\"}]}}",
                       "☎ syscall /usr/bin/sh 1");
        assert_compact("{\"process_tracepoint\":{\"process\":{\"binary\":\"/usr/bin/sh\"},"
                       "\"subsys\":\"raw_syscalls\",\"event\":\"sys_enter\",\"args\":"
                       "[{\"syscall_id\":{\"id\":4,\"abi\":\"i386\"}}]}}",
                       "☎ syscall /usr/bin/sh i386/4");
}

/* Issue 17 item 16: the argument that matters, for connect and for hooks without a format. */
static void test_kprobe_telling_argument(void **state) {
        assert_compact("{\"process_kprobe\":{\"process\":{\"binary\":\"/usr/bin/curl\"},"
                       "\"function_name\":\"__x64_sys_connect\",\"args\":[{\"int_arg\":3},"
                       "{\"sockaddr_arg\":{\"family\":\"AF_INET\",\"addr\":\"1.2.3.4\","
                       "\"port\":443}}]}}",
                       "🔌 connect /usr/bin/curl 1.2.3.4:443");
        assert_compact("{\"process_kprobe\":{\"process\":{\"binary\":\"/usr/bin/curl\"},"
                       "\"function_name\":\"security_socket_connect\",\"args\":[{\"sock_arg\":"
                       "{}},{\"sockaddr_arg\":{\"family\":\"AF_INET6\",\"addr\":\"::1\","
                       "\"port\":80}}],\"action\":\"KPROBE_ACTION_SIGKILL\"}}",
                       "🔌 connect /usr/bin/curl [::1]:80 [SIGKILL]");
        assert_compact("{\"process_kprobe\":{\"process\":{\"binary\":\"/usr/bin/nc\"},"
                       "\"function_name\":\"__x64_sys_bind\",\"args\":[{\"sockaddr_arg\":"
                       "{\"family\":\"AF_UNIX\"}}]}}",
                       "🔌 bind /usr/bin/nc AF_UNIX");
        assert_compact("{\"process_kprobe\":{\"process\":{\"binary\":\"/usr/bin/rm\"},"
                       "\"function_name\":\"__x64_sys_unlinkat\",\"args\":[{\"int_arg\":-100},"
                       "{\"string_arg\":\"/etc/motd\"}]}}",
                       "❓ syscall /usr/bin/rm __x64_sys_unlinkat /etc/motd");
        assert_compact("{\"process_kprobe\":{\"process\":{\"binary\":\"/usr/bin/cp\"},"
                       "\"function_name\":\"security_inode_copy_up\",\"args\":[{\"path_arg\":"
                       "{\"path\":\"/etc/shadow\"}}]}}",
                       "❓ syscall /usr/bin/cp security_inode_copy_up /etc/shadow");
        assert_compact("{\"process_lsm\":{\"process\":{\"binary\":\"/usr/bin/cat\"},"
                       "\"function_name\":\"file_open\",\"args\":[{\"file_arg\":{\"path\":"
                       "\"/etc/shadow\"}}],\"action\":\"KPROBE_ACTION_SIGKILL\"}}",
                       "🔒 LSM /usr/bin/cat file_open /etc/shadow [SIGKILL]");
}

static void test_lsm_uprobe(void **state) {
        assert_compact("{\"process_lsm\":{\"process\":{\"binary\":\"/usr/bin/cat\"},"
                       "\"function_name\":\"file_open\",\"action\":\"KPROBE_ACTION_SIGKILL\"}}",
                       "🔒 LSM /usr/bin/cat file_open [SIGKILL]");
        assert_compact("{\"process_uprobe\":{\"process\":{\"binary\":\"/usr/bin/bash\"},"
                       "\"path\":\"/usr/bin/bash\",\"symbol\":\"readline\"}}",
                       "🕵️ uprobe /usr/bin/bash /usr/bin/bash readline");
        assert_compact("{\"process_uprobe\":{\"process\":{\"binary\":\"/usr/bin/bash\"},"
                       "\"path\":\"/usr/bin/bash\",\"symbol\":\"readline\","
                       "\"action\":\"KPROBE_ACTION_SIGKILL\"}}",
                       "🕵️ uprobe /usr/bin/bash /usr/bin/bash readline [SIGKILL]");
        assert_compact("{\"process_lsm\":{\"process\":{\"binary\":\"/usr/bin/cat\"},"
                       "\"function_name\":\"file_open\",\"action\":\"KPROBE_ACTION_OVERRIDE\"}}",
                       "🔒 LSM /usr/bin/cat file_open [OVERRIDE]");
        assert_compact("{\"process_uprobe\":{\"process\":{\"binary\":\"/usr/bin/app\"},"
                       "\"path\":\"/usr/bin/app\",\"offset\":\"496\"}}",
                       "🕵️ uprobe /usr/bin/app /usr/bin/app 496");
        assert_compact("{\"process_usdt\":{\"process\":{\"binary\":\"/usr/bin/app\"},"
                       "\"path\":\"/usr/bin/app\",\"provider\":\"test\",\"name\":\"usdt3\","
                       "\"action\":\"KPROBE_ACTION_SIGKILL\"}}",
                       "🕵️ usdt /usr/bin/app /usr/bin/app test usdt3 [SIGKILL]");
        /* tetra's: the build id in hex before the path; without one, the path alone. */
        assert_compact(
                "{\"process_loader\":{\"process\":{\"binary\":\"/usr/bin/app\"},"
                "\"path\":\"/usr/lib/libx.so\",\"buildid\":\"hDT+sLLpBxZtG9daKFoOv4Iu0aw=\"}}",
                "🧬 loader /usr/bin/app 8434feb0b2e907166d1bd75a285a0ebf822ed1ac "
                "/usr/lib/libx.so");
        assert_compact("{\"process_loader\":{\"process\":{\"binary\":\"/usr/bin/app\"},"
                       "\"path\":\"/usr/lib/libx.so\"}}",
                       "🧬 loader /usr/bin/app /usr/lib/libx.so");
}

static void test_arguments_spaces_quotes(void **state) {
        /* Joined the Tetragon way upstream; shown here as they are. */
        ASSERT_EXEC_ARGS("-c \"echo a b\"", "🚀 process /usr/bin/echo -c \"echo a b\"");
        ASSERT_EXEC_ARGS("it's 'quoted'", "🚀 process /usr/bin/echo it's 'quoted'");
        ASSERT_EXEC_ARGS("back\\slash", "🚀 process /usr/bin/echo back\\slash");
}

static void test_arguments_control_characters(void **state) {
        ASSERT_EXEC_ARGS("a\nb", "🚀 process /usr/bin/echo a\\x0ab");
        ASSERT_EXEC_ARGS("tab\there\rcr", "🚀 process /usr/bin/echo tab\\x09here\\x0dcr");
        ASSERT_EXEC_ARGS("\x1b[31mred\x1b[0m", "🚀 process /usr/bin/echo \\x1b[31mred\\x1b[0m");
        ASSERT_EXEC_ARGS("del\x7f", "🚀 process /usr/bin/echo del\\x7f");
        /* C1 controls (CSI, NEL) are valid UTF-8 and still terminal commands. */
        ASSERT_EXEC_ARGS("\xc2\x9b"
                         "31m",
                         "🚀 process /usr/bin/echo \\xc2\\x9b31m");
        ASSERT_EXEC_ARGS("a\xc2\x85z", "🚀 process /usr/bin/echo a\\xc2\\x85z");
        /* Unicode line separator and a bidi override. */
        ASSERT_EXEC_ARGS("a\xe2\x80\xa8z", "🚀 process /usr/bin/echo a\\xe2\\x80\\xa8z");
        ASSERT_EXEC_ARGS("a\xe2\x80\xaez", "🚀 process /usr/bin/echo a\\xe2\\x80\\xaez");
}

static void test_arguments_invalid_utf8(void **state) {
        ASSERT_EXEC_ARGS("a\xff"
                         "b",
                         "🚀 process /usr/bin/echo a\\xffb");
        /* Truncated sequence, overlong form, surrogate, lone continuation byte. */
        ASSERT_EXEC_ARGS("x\xe2\x82", "🚀 process /usr/bin/echo x\\xe2\\x82");
        ASSERT_EXEC_ARGS("\xc0\xaf", "🚀 process /usr/bin/echo \\xc0\\xaf");
        ASSERT_EXEC_ARGS("\xed\xa0\x80", "🚀 process /usr/bin/echo \\xed\\xa0\\x80");
        ASSERT_EXEC_ARGS("\x80", "🚀 process /usr/bin/echo \\x80");
        ASSERT_EXEC_ARGS("\xf4\x90\x80\x80", "🚀 process /usr/bin/echo \\xf4\\x90\\x80\\x80");
}

static void test_arguments_valid_utf8(void **state) {
        ASSERT_EXEC_ARGS("h\xc3\xa9llo \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x90\x9d",
                         "🚀 process /usr/bin/echo héllo 日本 🐝");
}

static void test_binary_escaped(void **state) {
        _cleanup_free_ char *line = NULL;
        json_t *j = parse("{\"process_exec\":{\"process\":{}}}");
        json_t *p = json_object_get(json_object_get(j, "process_exec"), "process");

        assert_int_equal(json_object_set_new(p, "binary", json_string("/tmp/evil\n\x1b[2J")), 0);
        assert_int_equal(event_format_compact(j, &line), 0);
        assert_string_equal(line, "🚀 process /tmp/evil\\x0a\\x1b[2J");
        assert_null(strchr(line, '\n'));
        json_decref(j);
}

static void test_unknown(void **state) {
        static const char *const bad[] = {
                "{}",
                "[]",
                "{\"foo\":{\"process\":{}}}",
                "{\"process_open\":{\"process\":{\"binary\":\"/x\"}}}",
                "{\"process_exec\":\"not an object\"}",
                "{\"process_exec\":{}}",
                "{\"process_exit\":{\"parent\":{\"binary\":\"/x\"}}}",
                "{\"process_kprobe\":{\"function_name\":\"tcp_connect\"}}",
        };
        char *line = NULL;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                json_t *j = parse(bad[i]);

                assert_int_equal(event_format_compact(j, &line), -EINVAL);
                assert_null(line);
                json_decref(j);
        }
        assert_int_equal(event_format_compact(NULL, &line), -EINVAL);
}

static void test_event_json_type(void **state) {
        json_t *j = parse("{\"process_exit\":{},\"node_name\":\"h\",\"time\":\"t\"}");

        assert_string_equal(event_json_type(j), "process_exit");
        json_decref(j);
        j = parse("{\"node_name\":\"h\"}");
        assert_null(event_json_type(j));
        json_decref(j);
        assert_null(event_json_type(NULL));
}

static void test_enrichment(void **state) {
        /* Tetragon's trailer for CAP_SYS_ADMIN in the effective set, nothing for others. */
        assert_compact("{\"process_exec\":{\"process\":{\"binary\":\"/usr/bin/mount\","
                       "\"arguments\":\"/mnt\",\"cap\":{\"effective\":[\"CAP_CHOWN\","
                       "\"CAP_SYS_ADMIN\"]}}}}",
                       "🚀 process /usr/bin/mount /mnt 🛑 CAP_SYS_ADMIN");
        assert_compact("{\"process_exec\":{\"process\":{\"binary\":\"/usr/bin/id\","
                       "\"cap\":{\"effective\":[\"CAP_CHOWN\"]}}}}",
                       "🚀 process /usr/bin/id");
        /* Ours: user and the ancestor chain (parent first), before the action; not the unit. */
        assert_compact("{\"process_exec\":{\"process\":{\"binary\":\"/usr/bin/id\","
                       "\"user\":{\"name\":\"alice\"}}}}",
                       "🚀 process /usr/bin/id (user alice)");
        assert_compact("{\"process_exit\":{\"process\":{\"binary\":\"/usr/bin/id\","
                       "\"user\":{\"name\":\"root\"},\"systemd_unit\":\"sshd.service\"},"
                       "\"parent\":{\"binary\":\"/bin/bash\"},\"ancestors\":["
                       "{\"binary\":\"/usr/sbin/sshd\"},{\"binary\":\"/lib/systemd/systemd\"}]}}",
                       "💥 exit /usr/bin/id 0 (user root, ancestors bash < sshd < systemd)");
        assert_compact("{\"process_kprobe\":{\"process\":{\"binary\":\"/usr/bin/sh\","
                       "\"user\":{\"name\":\"bob\\u001b[2J\"}},\"function_name\":"
                       "\"__x64_sys_write\",\"args\":[{\"file_arg\":{\"path\":\"/tmp/x\"}}],"
                       "\"action\":\"KPROBE_ACTION_SIGKILL\"}}",
                       "📝 write /usr/bin/sh /tmp/x (user bob\\x1b[2J) [SIGKILL]");
}

static void test_stack_traces(void **state) {
        _cleanup_free_ char *text = NULL;
        json_t *j =
                parse("{\"process_kprobe\":{\"process\":{\"binary\":\"/bin/sh\"},"
                      "\"kernel_stack_trace\":[{\"offset\":\"26\",\"symbol\":\"ksys_write\"},"
                      "{\"address\":\"18446744072099233792\",\"offset\":\"16\",\"symbol\":\"fn\","
                      "\"module\":\"ext4\"}],\"user_stack_trace\":[{\"offset\":\"4496\","
                      "\"symbol\":\"main\",\"module\":\"/usr/bin/x\\u001b\"}]}}");

        assert_int_equal(event_format_stack_traces(j, &text), 0);
        assert_string_equal(text, "Kernel:\n"
                                  "   ksys_write+0x1a\n"
                                  "   0xffffffffa0048000: fn+0x10 [ext4]\n"
                                  "User:\n"
                                  "   main (/usr/bin/x\\x1b+0x1190)\n");
        json_decref(j);
        free(text);
        j = parse("{\"process_exec\":{\"process\":{\"binary\":\"/bin/sh\"}}}");
        assert_int_equal(event_format_stack_traces(j, &text), 0);
        assert_string_equal(text, "");
        json_decref(j);
        text = mfree(text);
}

/* ima_hash as Tetragon writes it: the kernel's algorithm name, a colon, the digest in
 * lowercase hex, as long as that algorithm's digest. */
static void test_ima_hash(void **state) {
        uint8_t digest[64];
        char buf[EVENT_IMA_HASH_MAX];

        for (size_t i = 0; i < sizeof(digest); i++)
                digest[i] = (uint8_t) (0xa0 + i);
        assert_int_equal(event_format_ima_hash(4, digest, buf), 0);
        assert_string_equal(
                buf, "sha256:a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf");
        assert_int_equal(event_format_ima_hash(2, digest, buf), 0);
        assert_string_equal(buf, "sha1:a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3");
        assert_int_equal(event_format_ima_hash(19, digest, buf), 0);
        assert_int_equal(strlen(buf), strlen("streebog512:") + 128);
        /* IMA's error (no policy), or an algorithm not known here: nothing. */
        assert_int_equal(event_format_ima_hash(-95, digest, buf), -EINVAL);
        assert_string_equal(buf, "");
        assert_int_equal(event_format_ima_hash(3, digest, buf), -EINVAL);
        assert_int_equal(event_format_ima_hash(20, digest, buf), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_exec),
                cmocka_unit_test(test_exec_empty_arguments),
                cmocka_unit_test(test_exit),
                cmocka_unit_test(test_kprobe),
                cmocka_unit_test(test_tracepoint),
                cmocka_unit_test(test_kprobe_telling_argument),
                cmocka_unit_test(test_lsm_uprobe),
                cmocka_unit_test(test_arguments_spaces_quotes),
                cmocka_unit_test(test_arguments_control_characters),
                cmocka_unit_test(test_arguments_invalid_utf8),
                cmocka_unit_test(test_arguments_valid_utf8),
                cmocka_unit_test(test_binary_escaped),
                cmocka_unit_test(test_unknown),
                cmocka_unit_test(test_enrichment),
                cmocka_unit_test(test_stack_traces),
                cmocka_unit_test(test_event_json_type),
                cmocka_unit_test(test_ima_hash),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
