package unit;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import lib.core.Fail;
import lib.core.Http;
import lib.registry.DockerCredentials;
import lib.registry.InsecureRegistries;
import lib.registry.Proxies;
import lib.registry.RegistryErrors;
import lib.registry.Trust;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pure parts of the registry client: the docker config, proxies, insecure registries, keys, messages. */
class RegistryAccessTest {
    @TempDir Path tmp;

    // ---- credentials ----

    /** A fake helper set: name -> server -> result; records every call. */
    static final class FakeHelpers implements DockerCredentials.Helpers {
        final Map<String, DockerCredentials.HelperResult> answers;
        final List<String> calls = new ArrayList<>();

        FakeHelpers(Map<String, DockerCredentials.HelperResult> answers) { this.answers = answers; }

        @Override
        public DockerCredentials.HelperResult get(String helper, String server) {
            calls.add(helper + " " + server);
            if (!answers.containsKey(helper)) return null;
            return answers.get(helper);
        }
    }

    static DockerCredentials.HelperResult secret(String user, String secret) {
        return new DockerCredentials.HelperResult(0, "{\"ServerURL\":\"x\",\"Username\":\"" + user + "\",\"Secret\":\"" + secret + "\"}", "");
    }

    DockerCredentials config(String json, FakeHelpers helpers) throws IOException {
        Path f = tmp.resolve("config-" + System.nanoTime() + ".json");
        Files.writeString(f, json);
        return new DockerCredentials(f, helpers);
    }

    static String b64(String s) {
        return java.util.Base64.getEncoder().encodeToString(s.getBytes());
    }

    @Test
    void credHelpersComeBeforeCredsStoreWhichComesBeforeAuths() throws IOException {
        FakeHelpers h = new FakeHelpers(Map.of("ecr", secret("AWS", "from-ecr"), "desktop", secret("dan", "from-store")));
        String json = "{\"credHelpers\": {\"1.dkr.ecr.example.com\": \"ecr\"}, \"credsStore\": \"desktop\","
                + " \"auths\": {\"1.dkr.ecr.example.com\": {\"auth\": \"" + b64("file:pw") + "\"}, \"ghcr.io\": {\"auth\": \"" + b64("f:p") + "\"}}}";
        DockerCredentials c = config(json, h);
        DockerCredentials.Auth ecr = c.lookup("1.dkr.ecr.example.com");
        assertEquals("AWS", ecr.username());
        assertEquals("from-ecr", ecr.password());
        assertTrue(ecr.source().contains("docker-credential-ecr (credHelpers in "), ecr.source());
        DockerCredentials.Auth gh = c.lookup("ghcr.io");
        assertEquals("from-store", gh.password(), "credsStore wins over auths");
        assertTrue(gh.source().contains("docker-credential-desktop (credsStore"), gh.source());
        assertEquals(List.of("ecr 1.dkr.ecr.example.com", "desktop ghcr.io"), h.calls, "the helper gets the server as docker passes it");
    }

    @Test
    void aStoreWithoutTheServerMeansNoCredentialsNotTheAuthsEntry() throws IOException {
        FakeHelpers h = new FakeHelpers(Map.of("pass", new DockerCredentials.HelperResult(1, "credentials not found in native keychain\n", "")));
        DockerCredentials c = config("{\"credsStore\": \"pass\", \"auths\": {\"ghcr.io\": {\"auth\": \"" + b64("a:b") + "\"}}}", h);
        assertNull(c.lookup("ghcr.io"));
    }

    @Test
    void authsTakeAuthOrUsernameAndPasswordOrAnIdentityToken() throws IOException {
        DockerCredentials c = config("{\"auths\": {"
                + "\"https://reg.example.com\": {\"auth\": \"" + b64("alice:s3:cr3t") + "\"},"
                + "\"other.example.com:5000\": {\"username\": \"bob\", \"password\": \"pw\"},"
                + "\"token.example.com\": {\"auth\": \"\", \"identitytoken\": \"refresh-me\"},"
                + "\"empty.example.com\": {}}}", new FakeHelpers(Map.of()));
        DockerCredentials.Auth a = c.lookup("reg.example.com");
        assertEquals("alice", a.username());
        assertEquals("s3:cr3t", a.password(), "only the first colon splits");
        assertEquals(b64("alice:s3:cr3t"), a.basic());
        assertTrue(a.who().startsWith("user alice from auths in "), a.who());
        assertEquals("bob", c.lookup("other.example.com:5000").username());
        assertNull(c.lookup("other.example.com"), "the port is part of the key");
        DockerCredentials.Auth t = c.lookup("token.example.com");
        assertEquals("refresh-me", t.identityToken());
        assertNull(t.basic());
        assertNull(c.lookup("empty.example.com"));
        assertNull(c.lookup("nowhere.example.com"));
    }

    @Test
    void dockerHubIsFiledUnderTheIndexUrlAndItsOtherNames() throws IOException {
        assertEquals("https://index.docker.io/v1/", DockerCredentials.serverKey("registry-1.docker.io"));
        assertEquals("https://index.docker.io/v1/", DockerCredentials.serverKey("docker.io"));
        assertEquals("ghcr.io", DockerCredentials.serverKey("ghcr.io"));
        for (String key : List.of("https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io", "https://registry-1.docker.io")) {
            DockerCredentials c = config("{\"auths\": {\"" + key + "\": {\"auth\": \"" + b64("hub:pw") + "\"}}}", new FakeHelpers(Map.of()));
            assertEquals("hub", c.lookup("registry-1.docker.io").username(), key);
        }
        FakeHelpers h = new FakeHelpers(Map.of("hubhelper", secret("h", "x")));
        DockerCredentials c = config("{\"credHelpers\": {\"docker.io\": \"hubhelper\"}}", h);
        assertEquals("h", c.lookup("registry-1.docker.io").username());
        assertEquals(List.of("hubhelper https://index.docker.io/v1/"), h.calls);
    }

    @Test
    void aHelperTokenUserMeansAnIdentityToken() throws IOException {
        DockerCredentials c = config("{\"credsStore\": \"acr\"}", new FakeHelpers(Map.of("acr", secret("<token>", "refresh"))));
        DockerCredentials.Auth a = c.lookup("x.azurecr.io");
        assertEquals("refresh", a.identityToken());
        assertNull(a.password());
    }

    @Test
    void helperAndConfigFailuresAreOneLineNamingTheHelper() throws IOException {
        DockerCredentials missing = config("{\"credsStore\": \"desktop\"}", new FakeHelpers(Map.of()));
        Fail f = assertThrows(Fail.class, () -> missing.lookup("ghcr.io"));
        assertTrue(f.getMessage().startsWith("credential helper docker-credential-desktop (credsStore in "), f.getMessage());
        assertTrue(f.getMessage().contains("is not on PATH"), f.getMessage());
        DockerCredentials broken = config("{\"credHelpers\": {\"ghcr.io\": \"pass\"}}",
                new FakeHelpers(Map.of("pass", new DockerCredentials.HelperResult(1, "", "gpg: decryption failed: No secret key\n"))));
        f = assertThrows(Fail.class, () -> broken.lookup("ghcr.io"));
        assertTrue(f.getMessage().contains("docker-credential-pass (credHelpers in "), f.getMessage());
        assertTrue(f.getMessage().endsWith("failed for ghcr.io (exit 1): gpg: decryption failed: No secret key"), f.getMessage());
        DockerCredentials garbage = config("{\"credsStore\": \"x\"}", new FakeHelpers(Map.of("x", new DockerCredentials.HelperResult(0, "hello", ""))));
        assertTrue(assertThrows(Fail.class, () -> garbage.lookup("a.example.com")).getMessage().contains("answered something other than credentials"));
        DockerCredentials bad = config("{\"auths\": ", new FakeHelpers(Map.of()));
        f = assertThrows(Fail.class, () -> bad.lookup("ghcr.io"));
        assertTrue(f.getMessage().contains("is not valid JSON"), f.getMessage());
        assertFalse(f.getMessage().contains("com.fasterxml"), f.getMessage());
        DockerCredentials notB64 = config("{\"auths\": {\"ghcr.io\": {\"auth\": \"%%%\"}}}", new FakeHelpers(Map.of()));
        assertTrue(assertThrows(Fail.class, () -> notB64.lookup("ghcr.io")).getMessage().contains("docker login ghcr.io"));
        assertNull(new DockerCredentials(tmp.resolve("none.json"), new FakeHelpers(Map.of())).lookup("ghcr.io"), "no config, no credentials");
    }

    @Test
    void theConfigFileComesFromDockerConfigElseHome() {
        assertEquals(Path.of("/cfg/config.json"), DockerCredentials.configFile(Map.of("DOCKER_CONFIG", "/cfg", "HOME", "/home/u")));
        assertEquals(Path.of("/home/u/.docker/config.json"), DockerCredentials.configFile(Map.of("HOME", "/home/u")));
    }

    // ---- proxies ----

    @Test
    void proxiesFollowDockersVariables() {
        Proxies p = Proxies.from(Map.of("HTTPS_PROXY", "http://proxy.corp:3128", "https_proxy", "http://lower:1", "http_proxy", "plain.corp"));
        Proxies.Choice c = p.choose("https", "ghcr.io", 443);
        assertEquals("proxy.corp", c.host(), "upper case first");
        assertEquals(3128, c.port());
        assertEquals("HTTPS_PROXY", c.variable());
        Proxies.Choice h = p.choose("http", "10.1.2.3", 5000);
        assertEquals("plain.corp", h.host(), "no scheme means http://");
        assertEquals(80, h.port());
        assertEquals("http_proxy", h.variable());
        assertNull(Proxies.from(Map.of("HTTP_PROXY", "http://p:1")).choose("https", "ghcr.io", 443), "https needs HTTPS_PROXY");
        assertNull(p.choose("https", "127.0.0.1", 5000), "loopback is never proxied");
        assertNull(p.choose("https", "localhost", 5000));
        assertNull(p.choose("https", "::1", 5000));
        assertNotNull(p.choose("https", "127.example.com", 443));
        assertNull(Proxies.from(Map.of()).choose("https", "ghcr.io", 443));
        assertNull(Proxies.from(Map.of("HTTPS_PROXY", " ")).choose("https", "ghcr.io", 443));
    }

    @Test
    void noProxyMatchesNamesSubdomainsAddressesRangesAndPorts() {
        Proxies p = Proxies.from(Map.of("HTTPS_PROXY", "http://p:3128",
                "NO_PROXY", " example.com, .sub.org ,*.star.net, 10.0.0.0/8, 192.168.1.7, reg.io:5000, [fd00::1]:443, fd01::/16,"));
        assertFalse(p.useProxy("example.com", 443));
        assertFalse(p.useProxy("a.b.example.com", 443));
        assertTrue(p.useProxy("notexample.com", 443));
        assertTrue(p.useProxy("sub.org", 443), ".name matches subdomains only");
        assertFalse(p.useProxy("x.sub.org", 443));
        assertTrue(p.useProxy("star.net", 443));
        assertFalse(p.useProxy("x.star.net", 443));
        assertFalse(p.useProxy("10.200.3.4", 5000));
        assertTrue(p.useProxy("11.0.0.1", 443));
        assertFalse(p.useProxy("192.168.1.7", 443));
        assertTrue(p.useProxy("192.168.1.8", 443));
        assertFalse(p.useProxy("reg.io", 5000));
        assertTrue(p.useProxy("reg.io", 443), "a port in NO_PROXY matches that port only");
        assertFalse(p.useProxy("fd00::1", 443));
        assertTrue(p.useProxy("fd00::1", 5000));
        assertFalse(p.useProxy("fd01:2::3", 443));
        assertFalse(p.useProxy("EXAMPLE.COM", 443), "case does not matter");
        assertFalse(Proxies.from(Map.of("HTTPS_PROXY", "p:1", "no_proxy", "*")).useProxy("anything.example", 443));
        assertFalse(Proxies.from(Map.of("HTTPS_PROXY", "p:1", "NO_PROXY", "ghcr.io", "no_proxy", "other")).useProxy("ghcr.io", 443),
                "NO_PROXY before no_proxy");
    }

    @Test
    void proxyUrlsCarryCredentialsAndBadOnesAreOneLine() {
        Proxies.Choice c = Proxies.parse("http://us%40er:p%3Ass@proxy.corp:8080/", "HTTPS_PROXY");
        assertEquals("us@er", c.user());
        assertEquals("p:ss", c.password());
        assertEquals("proxy proxy.corp:8080 (HTTPS_PROXY)", c.display());
        assertEquals(java.net.Proxy.Type.HTTP, c.proxy().type());
        assertEquals(java.net.Proxy.Type.SOCKS, Proxies.parse("socks5://s:1080", "HTTPS_PROXY").proxy().type());
        assertEquals(1080, Proxies.parse("socks5h://s", "HTTPS_PROXY").port());
        Fail https = assertThrows(Fail.class, () -> Proxies.parse("https://u:secret@p:443", "HTTPS_PROXY"));
        assertTrue(https.getMessage().startsWith("HTTPS_PROXY https://u:***@p:443 cannot be used"), https.getMessage());
        assertFalse(https.getMessage().contains("secret"));
        assertThrows(Fail.class, () -> Proxies.parse("ftp://p:21", "HTTP_PROXY"));
    }

    // ---- insecure registries ----

    static final String INFO = "{\"IndexConfigs\":{\"docker.io\":{\"Name\":\"docker.io\",\"Secure\":true,\"Official\":true},"
            + "\"myreg.lan:5000\":{\"Name\":\"myreg.lan:5000\",\"Secure\":false},\"10.9.9.9:5000\":{\"Secure\":true}},"
            + "\"InsecureRegistryCIDRs\":[\"127.0.0.0/8\",\"10.9.0.0/16\"],\"Mirrors\":[]}";

    @Test
    void insecureRegistriesAreTheEnginesOwnEntriesThenItsRanges() {
        InsecureRegistries i = InsecureRegistries.parse(INFO, host -> host.equals("ranged.lan") ? List.of(new byte[] {10, 9, 1, 1}) : List.of());
        assertTrue(i.insecure("myreg.lan:5000"));
        assertFalse(i.insecure("myreg.lan"), "the entry names host and port");
        assertTrue(i.insecure("10.9.3.4:5000"));
        assertFalse(i.insecure("10.9.9.9:5000"), "an index entry marked secure wins over the range");
        assertTrue(i.insecure("ranged.lan:443"), "a name is matched by its addresses");
        assertFalse(i.insecure("10.8.0.1:5000"));
        assertFalse(i.insecure("docker.io"));
        assertNull(i.unreadable);
    }

    // ---- keys ----

    static final String RSA1 = """
            -----BEGIN RSA PRIVATE KEY-----
            MIICXAIBAAKBgQCgGRxPv2iLRDscGx5ehF87+QmFgKR/pdo5BFauhR16dzGQtCcV
            LMnm0AgZJNMZYETsryC6qQ2N384pqh25TxxLH7zD1ryyxX30Z2EPlqL+Uvh44n3j
            jL1uDfKpuwIRa7GFqExIx8kPdW0qgjjjmL6dBtFbK/rMuUZX8pJw0SEC/wIDAQAB
            AoGAO5JcaIgunHOdEw48NKtIzIYUNurxStYp50FoB7Rcja9AcDm4uTZbQllySfjb
            2/toajGYGhzBgGMg0XwNZ2C6g9rS1zMAf5tloRD6KwOjVXf6p/dAVLewwAUhepaG
            gb94mJiAufk7weMJ6V2cAlF6g6u4SSImnVhd6ikX50hXSqECQQDThS4TfThAkeh+
            /9diTaIDzzmFcnGuHI00ICZuZW4Dtuz8jYXFcpNjOzUK9FKYjluvpjuTbUFnUQqV
            TEiKymA3AkEAwcO1st/hBWcIwIRdyecfLVX4BW0+LZlCi34nwheQouOa/WeFEoc+
            7GJUHov5L8GDGK+Td2HmSLT3Sub1hpQ/eQJBAM3X06k/uRiNZfcBv3d5GWwfpFjL
            sPnB62CI0R2qM9AFmseEamRmRizRl6Mbda3lDDD50wx7zKRg5623WPlITS0CQBZK
            4fi2cTkh5Yvgrrmv8ZJRtbtKGkE8xL8vwHtAIs/ax9YnttOu47pmha8OA5lO9jo8
            2QZ/KPNsfpcLg2v8WmECQGCj951UGOfpC/SU2q8wT0zWPACJ5n79izc+hg+a2UiL
            ZTeDUg4wiSjGTd2PLDT/jw5W5ZvtOiMgJVpZPHdAhEQ=
            -----END RSA PRIVATE KEY-----
            """;
    static final String RSA8 = """
            -----BEGIN PRIVATE KEY-----
            MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBAKAZHE+/aItEOxwb
            Hl6EXzv5CYWApH+l2jkEVq6FHXp3MZC0JxUsyebQCBkk0xlgROyvILqpDY3fzimq
            HblPHEsfvMPWvLLFffRnYQ+Wov5S+HjifeOMvW4N8qm7AhFrsYWoTEjHyQ91bSqC
            OOOYvp0G0Vsr+sy5RlfyknDRIQL/AgMBAAECgYA7klxoiC6cc50TDjw0q0jMhhQ2
            6vFK1innQWgHtFyNr0BwObi5NltCWXJJ+Nvb+2hqMZgaHMGAYyDRfA1nYLqD2tLX
            MwB/m2WhEPorA6NVd/qn90BUt7DABSF6loaBv3iYmIC5+TvB4wnpXZwCUXqDq7hJ
            IiadWF3qKRfnSFdKoQJBANOFLhN9OECR6H7/12JNogPPOYVyca4cjTQgJm5lbgO2
            7PyNhcVyk2M7NQr0UpiOW6+mO5NtQWdRCpVMSIrKYDcCQQDBw7Wy3+EFZwjAhF3J
            5x8tVfgFbT4tmUKLfifCF5Ci45r9Z4UShz7sYlQei/kvwYMYr5N3YeZItPdK5vWG
            lD95AkEAzdfTqT+5GI1l9wG/d3kZbB+kWMuw+cHrYIjRHaoz0AWax4RqZGZGLNGX
            oxt1reUMMPnTDHvMpGDnrbdY+UhNLQJAFkrh+LZxOSHli+Cuua/xklG1u0oaQTzE
            vy/Ae0Aiz9rH1ie2067jumaFrw4DmU72OjzZBn8o82x+lwuDa/xaYQJAYKP3nVQY
            5+kL9JTarzBPTNY8AInmfv2LNz6GD5rZSItlN4NSDjCJKMZN3Y8sNP+PDlblm+06
            IyAlWlk8d0CERA==
            -----END PRIVATE KEY-----
            """;
    static final String EC1 = """
            -----BEGIN EC PRIVATE KEY-----
            MHcCAQEEIIo9Mzz0kXl3uClozgkDL37nxOdU5eW1X2enCmrdrxn7oAoGCCqGSM49
            AwEHoUQDQgAEIqVE+9jF1sZnU13V/6ZJlCsp/4bnxbmouPktRIAtsDSUnE0peQrA
            uLxjmlMOGoyty791zT6CpyyfgXvlM1SLrA==
            -----END EC PRIVATE KEY-----
            """;
    static final String EC8 = """
            -----BEGIN PRIVATE KEY-----
            MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgij0zPPSReXe4KWjO
            CQMvfufE51Tl5bVfZ6cKat2vGfuhRANCAAQipUT72MXWxmdTXdX/pkmUKyn/hufF
            uai4+S1EgC2wNJScTSl5CsC4vGOaUw4ajK3Lv3XNPoKnLJ+Be+UzVIus
            -----END PRIVATE KEY-----
            """;
    static final String ECP = """
            -----BEGIN EC PARAMETERS-----
            BggqhkjOPQMBBw==
            -----END EC PARAMETERS-----
            -----BEGIN EC PRIVATE KEY-----
            MHcCAQEEIBLLUpOlH5Cg170VPWavcuhpDUllOrrOgUfV7fdttVqGoAoGCCqGSM49
            AwEHoUQDQgAETcFGdEBAioOfPLoFShKTRi3S0edo2nsYuTOAZw3XhhU2B5tITiQk
            COF9gzun75MrDLFW+kQJDxB1uWNUYFezEA==
            -----END EC PRIVATE KEY-----
            """;

    @Test
    void clientKeysArePkcs1Pkcs8OrSec1() {
        RSAPrivateCrtKey r1 = (RSAPrivateCrtKey) Trust.privateKey(RSA1, "rsa1.key");
        RSAPrivateCrtKey r8 = (RSAPrivateCrtKey) Trust.privateKey(RSA8, "rsa8.key");
        assertEquals(r8.getModulus(), r1.getModulus());
        assertEquals(r8.getPrivateExponent(), r1.getPrivateExponent());
        ECPrivateKey e1 = (ECPrivateKey) Trust.privateKey(EC1, "ec1.key");
        ECPrivateKey e8 = (ECPrivateKey) Trust.privateKey(EC8, "ec8.key");
        assertEquals(e8.getS(), e1.getS());
        PrivateKey withParams = Trust.privateKey(ECP, "ecp.key");
        assertEquals("EC", withParams.getAlgorithm(), "the EC PARAMETERS block before the key is skipped");
    }

    @Test
    void encryptedOrMissingKeysAreOneLine() {
        Fail enc = assertThrows(Fail.class, () -> Trust.privateKey("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n", "c.key"));
        assertTrue(enc.getMessage().contains("is encrypted"), enc.getMessage());
        String legacy = RSA1.replace("-----BEGIN RSA PRIVATE KEY-----\n", "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n");
        assertTrue(assertThrows(Fail.class, () -> Trust.privateKey(legacy, "c.key")).getMessage().contains("is encrypted"));
        assertTrue(assertThrows(Fail.class, () -> Trust.privateKey("nothing here", "c.key")).getMessage().contains("holds no PEM private key"));
        Fail broken = assertThrows(Fail.class, () -> Trust.privateKey("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n", "c.key"));
        assertFalse(broken.getMessage().matches(".*\\b(java|sun)\\.[a-z].*"), broken.getMessage());
    }

    @Test
    void aClientCertificateNeedsItsKeyBesideIt() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("certs.d/reg.example.com:5000"));
        Trust t = new Trust(tmp.resolve("certs.d"), Map.of());
        assertFalse(t.hasClientCertificate("reg.example.com:5000"));
        Files.writeString(dir.resolve("client.cert"), "x");
        Fail f = assertThrows(Fail.class, () -> t.hasClientCertificate("reg.example.com:5000"));
        assertTrue(f.getMessage().contains("has no key"), f.getMessage());
        Files.writeString(dir.resolve("client.key"), RSA8);
        assertTrue(t.hasClientCertificate("reg.example.com:5000"));
        assertEquals(tmp.resolve("certs.d/reg.example.com:5000"), t.dirFor("reg.example.com:5000"));
    }

    // ---- messages ----

    static final String PKIX = "PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException:"
            + " unable to find valid certification path to requested target";

    static String network(Throwable e, Proxies.Choice proxy, boolean clientCert) {
        Fail f = RegistryErrors.network("registry reg.example.com:5000", "reg.example.com:5000", "reg.example.com:5000", proxy, e,
                Duration.ofSeconds(10), Duration.ofSeconds(30), Path.of("/etc/docker/certs.d/reg.example.com:5000"), clientCert, null);
        String m = f.oneLine();
        assertEquals(f.getMessage(), m, "one line");
        assertFalse(m.matches(".*\\b(java|javax|sun|jdk)\\.[a-z]+.*"), "no class names: " + m);
        assertFalse(m.matches(".*[A-Z]\\w*Exception.*"), "no exception names: " + m);
        return m;
    }

    @Test
    void networkFailuresSayWhatToDo() {
        String untrusted = network(new SSLHandshakeException(PKIX), null, false);
        assertEquals("registry reg.example.com:5000 presented a certificate that is not trusted: put the CA certificate that signed it in"
                + " /etc/docker/certs.d/reg.example.com:5000/ca.crt (docker reads it there too)", untrusted);
        SSLHandshakeException wrapped = new SSLHandshakeException("x");
        wrapped.initCause(new java.security.cert.CertificateException("No subject alternative names matching IP address 10.0.0.1 found"));
        assertTrue(network(wrapped, null, false).contains("certificate for another name: its certificate must name reg.example.com"));
        SSLHandshakeException expired = new SSLHandshakeException("x");
        expired.initCause(new java.security.cert.CertificateExpiredException("NotAfter: Mon Jan 01 00:00:00 UTC 2024"));
        assertTrue(network(expired, null, false).contains("has expired"));
        assertTrue(network(new SSLException("Received fatal alert: bad_certificate"), null, false)
                .endsWith("asks for a TLS client certificate: put client.cert and client.key in /etc/docker/certs.d/reg.example.com:5000"));
        assertTrue(network(new SSLException("Received fatal alert: certificate_required"), null, true).contains("did not accept the client certificate in"));
        assertTrue(network(new SSLException("Unsupported or unrecognized SSL message"), null, false)
                .contains("answers plain HTTP, not HTTPS: docker speaks plain HTTP only to loopback and to the engine's insecure registries; add \"reg.example.com:5000\""));
        assertEquals("registry reg.example.com:5000 is unreachable: connection refused at reg.example.com:5000",
                network(new ConnectException("Connection refused"), null, false));
        assertTrue(network(new UnknownHostException("reg.example.com"), null, false).contains("the name reg.example.com does not resolve"));
        assertEquals("registry reg.example.com:5000 is unreachable: no connection to reg.example.com:5000 within 10 s (a firewall, a wrong address, or a proxy needed?)",
                network(new SocketTimeoutException("Connect timed out"), null, false));
        Proxies.Choice proxy = Proxies.parse("http://u:pw@proxy.corp:3128", "HTTPS_PROXY");
        assertTrue(network(new SocketTimeoutException("Read timed out"), proxy, false)
                .startsWith("registry reg.example.com:5000 did not answer within 30 s at reg.example.com:5000 via proxy proxy.corp:3128 (HTTPS_PROXY)"));
        assertTrue(network(new SocketTimeoutException("Connect timed out"), proxy, false).contains("no connection to proxy.corp:3128 (HTTPS_PROXY)"),
                "a timeout names the address tried: the proxy");
        String auth = network(new IOException("Unable to tunnel through proxy. Proxy returns \"HTTP/1.1 407 Proxy Authentication Required\""), proxy, false);
        assertTrue(auth.contains("proxy proxy.corp:3128 (HTTPS_PROXY) wants credentials and refused user u"), auth);
        assertFalse(auth.contains("pw@"), auth);
        assertTrue(network(new IOException("Unable to tunnel through proxy. Proxy returns \"HTTP/1.1 502 Bad Gateway\""), proxy, false)
                .contains("through proxy proxy.corp:3128 (HTTPS_PROXY): it answered HTTP/1.1 502 Bad Gateway"));
        assertTrue(network(new java.net.SocketException("Connection reset"), null, false).contains("was closed twice before an answer"));
        assertTrue(RegistryErrors.transientFailure(new java.net.SocketException("Connection reset")));
        assertTrue(RegistryErrors.transientFailure(new IOException("Unexpected end of file from server")));
        assertFalse(RegistryErrors.transientFailure(new ConnectException("Connection refused")));
        assertFalse(RegistryErrors.transientFailure(new SSLHandshakeException(PKIX)));
    }

    @Test
    void statusFailuresSayWhatToDo() {
        DockerCredentials.Auth alice = new DockerCredentials.Auth("alice", "pw", null, "auths in /cfg/config.json");
        assertEquals("registry reg.io refused the credentials of user alice from auths in /cfg/config.json: log in again with `docker login reg.io`",
                RegistryErrors.credentialsRefused("reg.io", alice).getMessage());
        assertEquals("registry registry-1.docker.io refused the credentials of user alice from auths in /cfg/config.json: log in again with `docker login`",
                RegistryErrors.credentialsRefused("registry-1.docker.io", alice).getMessage());
        assertTrue(RegistryErrors.noCredentials("reg.io", "team/app", Path.of("/cfg/config.json")).getMessage()
                .startsWith("registry reg.io needs credentials for team/app and /cfg/config.json has none for it: log in with `docker login reg.io`"));
        assertTrue(RegistryErrors.noAccess("reg.io", "team/app", "pull", alice).getMessage().contains("needs pull rights on team/app"));
        assertTrue(RegistryErrors.denied("reg.io", "team/app", "delete", null, Path.of("/c.json")).getMessage().contains("(HTTP 403)"));
        assertEquals("registry reg.io failed with HTTP 503 twice for GET /v2/a/manifests/v1: a problem on the registry's side; try again later or tell whoever runs it",
                RegistryErrors.serverError("registry reg.io", 503, "GET", "/v2/a/manifests/v1").getMessage());
        assertEquals("registry reg.io is limiting requests (HTTP 429) and asks to wait 600 s, more than the 90.5 s left: try again later",
                RegistryErrors.rateLimited("registry reg.io", Duration.ofMinutes(10), Duration.ofMillis(90_500)).getMessage());
    }

    @Test
    void retryAfterIsSecondsOrAnHttpDate() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        assertEquals(Duration.ofSeconds(7), RegistryErrors.retryAfter("7", now));
        assertEquals(Duration.ofSeconds(7), RegistryErrors.retryAfter(" 7 ", now));
        assertEquals(Duration.ofSeconds(90), RegistryErrors.retryAfter("Thu, 01 Jan 2026 00:01:30 GMT", now));
        assertEquals(Duration.ZERO, RegistryErrors.retryAfter("Wed, 31 Dec 2025 23:00:00 GMT", now), "a date gone by: no wait");
        assertNull(RegistryErrors.retryAfter(null, now));
        assertNull(RegistryErrors.retryAfter("soon", now));
        assertNull(RegistryErrors.retryAfter("-5", now));
    }

    @Test
    void classNamesAreTakenOutOfMessages() {
        assertEquals("PKIX path building failed: unable to find valid certification path to requested target", Http.withoutClassNames(PKIX));
        assertEquals("Connection reset", Http.withoutClassNames("java.net.SocketException: Connection reset"));
        assertEquals("registry.example.org is fine", Http.withoutClassNames("registry.example.org is fine"));
        assertEquals("connection refused", Http.describe(new ConnectException("Connection refused (Connection refused)")));
    }
}
