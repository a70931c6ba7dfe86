# Example policies, installed where the daemon reads them by default.
policydir = $(sysconfdir)/tetragon/policies.d
dist_policy_DATA = conf/policies.d/protect-tmp-passwd.yaml

# The policy library (issue 19): installed, never enabled by itself; `tetractl library enable`
# copies one into the policy folder. See tetragond-library(7).
librarydir = $(datadir)/tetragond/library
dist_library_DATA = \
	conf/library/protect-file.yaml \
	conf/library/protect-file-syscalls.yaml \
	conf/library/protect-directory.yaml \
	conf/library/audit-credentials.yaml \
	conf/library/block-module-bpf-load.yaml \
	conf/library/privilege-escalation.yaml
