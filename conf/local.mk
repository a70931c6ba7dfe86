# Example policies, installed where the daemon reads them by default.
policydir = $(sysconfdir)/tetragon/policies.d
dist_policy_DATA = conf/policies.d/protect-tmp-passwd.yaml
