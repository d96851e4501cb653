// Snapshot policy: secrets and private files are hashed, never snapshotted.
#include <doctest/doctest.h>

#include <string>

#include "baseline/snapshot_policy.h"

using namespace drift;

namespace {
ContentPolicy policy() {
  ContentPolicy p;
  p.paths = {"/etc"};
  p.never = default_never_snapshot_globs();
  return p;
}
}  // namespace

TEST_CASE("a small world-readable text file under content.paths may be snapshotted") {
  CHECK(snapshot_candidate(policy(), "/etc/hosts", 0644, 200));
  CHECK(snapshot_content_ok("127.0.0.1 localhost\n"));
}

TEST_CASE("a 0600 file is never snapshotted") {
  CHECK_FALSE(snapshot_candidate(policy(), "/etc/app.conf", 0600, 200));
  CHECK_FALSE(snapshot_candidate(policy(), "/etc/app.conf", 0640, 200));
}

TEST_CASE("secret names are never snapshotted, even with an empty never list") {
  ContentPolicy p = policy();
  p.never.clear();
  for (const char* path : {"/etc/shadow", "/etc/gshadow-", "/etc/ssl/private/site.pem", "/etc/app/tls.key",
                           "/etc/ssh/ssh_host_ed25519_key", "/etc/ssh/ssh_host_rsa_key.pub",
                           "/etc/kubernetes/admin.conf", "/etc/kubernetes/pki/ca.crt",
                           "/etc/cni/net.d/calico-kubeconfig", "/etc/app/token"}) {
    CHECK_MESSAGE(!snapshot_candidate(p, path, 0644, 100), path);
  }
}

TEST_CASE("the config's never list adds globs") {
  ContentPolicy p = policy();
  p.never.push_back("/etc/app/*");
  CHECK_FALSE(snapshot_candidate(p, "/etc/app/settings.ini", 0644, 100));
}

TEST_CASE("files over max_bytes or outside content.paths are hashed only") {
  CHECK_FALSE(snapshot_candidate(policy(), "/etc/big.conf", 0644, 65537));
  CHECK_FALSE(snapshot_candidate(policy(), "/usr/bin/script", 0755, 100));
}

TEST_CASE("binary content and private keys are refused after reading") {
  CHECK_FALSE(snapshot_content_ok(std::string("ELF\0\0\0", 6)));
  CHECK_FALSE(snapshot_content_ok("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n"));
  CHECK_FALSE(snapshot_content_ok("-----BEGIN PRIVATE KEY-----\nabc\n"));
  CHECK(snapshot_content_ok("-----BEGIN CERTIFICATE-----\nabc\n"));
}

namespace {
// The refusal's kind, without the "content looks like a secret: " prefix and line.
std::string secret_kind(const std::string& text) {
  const std::string r = snapshot_content_refusal(text);
  const std::string prefix = "content looks like a secret: ";
  if (r.rfind(prefix, 0) != 0) return r;
  return r.substr(prefix.size(), r.rfind(", line ") - prefix.size());
}
void check_secret(const std::string& text, const std::string& kind) {
  CHECK_MESSAGE(secret_kind(text) == kind, text);
  CHECK_FALSE(snapshot_content_ok(text));
}
void check_ordinary(const std::string& text) {
  CHECK_MESSAGE(snapshot_content_refusal(text) == "", text);
  CHECK(snapshot_content_ok(text));
}
}  // namespace

TEST_CASE("the refusal says what the content looked like and on which line") {
  CHECK(snapshot_content_refusal("[Interface]\nAddress = 10.0.0.1/24\nPrivateKey = "
                                 "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n") ==
        "content looks like a secret: WireGuard PrivateKey, line 3");
  CHECK(snapshot_content_refusal(std::string("ELF\0\0\0", 6)) == "binary content");
  CHECK(snapshot_content_refusal("127.0.0.1 localhost\n") == "");
}

TEST_CASE("private key material of every kind is refused") {
  for (const char* header : {"-----BEGIN OPENSSH PRIVATE KEY-----", "-----BEGIN RSA PRIVATE KEY-----",
                             "-----BEGIN EC PRIVATE KEY-----", "-----BEGIN ENCRYPTED PRIVATE KEY-----",
                             "-----BEGIN PGP PRIVATE KEY BLOCK-----", "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----"}) {
    check_secret(std::string("# key\n") + header + "\nMIIEvQIBADANBg\n", "private key block");
  }
  check_secret("PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n", "PuTTY private key");
  check_secret("-----BEGIN OpenVPN Static key V1-----\n0123abcd\n", "OpenVPN static key");
  check_secret("# created: 2024-01-01\nAGE-SECRET-KEY-1QYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQS\n",
               "age secret key");
  check_ordinary("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  check_ordinary("-----BEGIN PUBLIC KEY-----\nMCow\n-----END PUBLIC KEY-----\n");
  check_ordinary("age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n");  // a public recipient
}

TEST_CASE("WireGuard private and preshared keys are refused, public keys are not") {
  check_secret("[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n", "WireGuard PrivateKey");
  check_secret("[Peer]\nPresharedKey = /UwcSPg38hW/D9Y3tcS1FOV0K1wuURMbS0sesJEP5ak=\n", "WireGuard PresharedKey");
  check_ordinary("[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\nAllowedIPs = 10.0.0.2/32\n");
}

TEST_CASE("kubeconfig user credentials are refused, certificate data is not") {
  const std::string head =
      "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority-data: LS0tLS1CRUdJTg==\n"
      "    server: https://10.0.0.1:6443\n  name: k\nusers:\n- name: admin\n  user:\n"
      "    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t\n";
  check_ordinary(head);
  check_secret(head + "    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQ==\n", "kubeconfig client-key-data");
  check_secret(head + "    token: 8f3a9c1d2e4b5a6f\n", "token assignment");
  check_secret(head + "    username: admin\n    password: s3cr3t-Pa55\n", "password assignment");
}

TEST_CASE("JWTs and Authorization headers are refused") {
  const std::string jwt =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
  check_secret(jwt + "\n", "JSON Web Token");
  check_secret("curl -s https://api -H 'X: y' " + jwt + "\n", "JSON Web Token");
  check_secret("AUTH_HEADER=\"Authorization: Bearer abcdef0123456789\"\n", "Authorization header");
  check_secret("proxy_set_header Authorization \"Basic dXNlcjpwYXNzd29yZA==\";\n", "Authorization header");
  check_ordinary("proxy_set_header Authorization \"Basic $auth\";\n");             // a variable
  check_ordinary("# the Authorization: header carries the bearer token\n");         // prose
  check_ordinary("eyJhbGciOiJIUzI1NiJ9 is the header alone, not a token\n");       // one segment
}

TEST_CASE("well-known token formats are refused") {
  check_secret("aws_access_key_id=AKIAIOSFODNN7EXAMPLE\n", "access key assignment");
  check_secret("key AKIAIOSFODNN7EXAMPLE\n", "AWS access key id");
  check_secret("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n", "secret assignment");
  check_secret("url: x?k=ghp_0123456789abcdefghijABCDEFGHIJ012345\n", "GitHub token");
  check_secret("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz\n", "GitHub token");
  check_secret("hook xoxb-123456789012-abcdefghijkl\n", "Slack token");
  check_secret("remote glpat-0123456789abcdefghij\n", "GitLab token");
  check_secret("maps AIzaSyA-0123456789abcdefghijklmnopqrstu\n", "Google API key");
  check_secret("DATABASE_URL=postgres://app:hunter2@db:5432/app\n", "URL with a password");
  check_ordinary("deb http://deb.debian.org/debian bookworm main\nurl ssh://git@example.com/repo\n");
  check_ordinary("url https://user:pass@example.com/ and https://u:$PW@example.com/\n");  // placeholders
  check_ordinary("AKIA is how AWS key ids begin\nghp_ is GitHub's prefix\n");             // too short
}

TEST_CASE("credential key = value lines are refused, settings and references are not") {
  check_secret("[database]\ndb_password = hunter2\n", "password assignment");
  check_secret("DB_PASSWORD=hunter2\n", "password assignment");
  check_secret("export API_TOKEN=\"0123456789abcdef\"\n", "token assignment");
  check_secret("{\n  \"apiKey\": \"0123456789abcdef\",\n}\n", "API key assignment");
  check_secret("client_secret: 'abcd-efgh'\n", "secret assignment");
  check_secret("Environment=DB_PASSWORD=hunter2\n", "password assignment");
  check_secret("passphrase = \"correct horse battery staple\"\n", "passphrase assignment");
  check_secret("root_pwd: $6$rounds=4096$salt$hash\n", "password assignment");  // a crypt hash
  check_secret("env:\n- name: DB_PASSWORD\n  value: hunter2\n", "credential name/value pair");
  check_ordinary("password: ${DB_PASSWORD}\ntoken = $TOKEN\nsecret = %(secret)s\npassword = <your password>\n");
  check_ordinary("password = \"\"\ntoken:\npassword: ''\nsecret = ********\napi_key = xxxx\n");
  check_ordinary("token_ttl = 3600\npassword_min_length: 12\npassword_required = yes\ntoken = none\n");
  check_ordinary("password_file = /etc/app/pw\nsecretName: app-tls\ntoken_path: /var/run/token\n");
  check_ordinary("# password = hunter2\n; secret = abc\n// token = abcdef\n");  // commented examples
  check_ordinary("env:\n- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef: {name: db, key: pw}\n");
}

TEST_CASE("ordinary /etc lines that mention passwords are not credentials") {
  check_ordinary("password   requisite   pam_unix.so obscure yescrypt\n"
                 "password\t[success=1 default=ignore]\tpam_unix.so obscure\n");  // PAM rules
  check_ordinary("PASS_MAX_DAYS\t99999\nPASS_MIN_DAYS\t0\nENCRYPT_METHOD SHA512\n");   // login.defs
  check_ordinary("passwd:         files systemd\nshadow:         files\n");          // nsswitch.conf
  check_ordinary("PasswordAuthentication no\nPermitEmptyPasswords=no\n");            // sshd_config
  check_ordinary("challengePassword\t\t= A challenge password\nchallengePassword_min = 4\n");  // openssl.cnf
  check_ordinary("if [ \"$password\" == \"\" ]; then\n  token=$(cat /run/t)\nfi\n");
}

TEST_CASE("review: _PASS suffixes, registry auth and $-leading generated passwords are credentials") {
  CHECK_FALSE(snapshot_content_refusal("DB_PASS=Xk29fjq0\n").empty());
  CHECK_FALSE(snapshot_content_refusal("[plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"r\".auth]\n  auth = \"dXNlcjpwYXNz\"\n").empty());
  CHECK_FALSE(snapshot_content_refusal("db_password = $xK9!fq2Lz\n").empty());
  // References and ordinary words stay what they are.
  CHECK(snapshot_content_refusal("db_password = $DB_PASSWORD\n").empty());
  CHECK(snapshot_content_refusal("db_password = ${DB_PASSWORD}\n").empty());
  CHECK(snapshot_content_refusal("bypass = true\nauth_method = ldap\n").empty());
}
