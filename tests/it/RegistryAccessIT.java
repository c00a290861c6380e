package it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import lib.core.Fail;
import lib.core.Json;
import lib.model.CurrentManifest;
import lib.model.DigestManifest;
import lib.model.Layout;
import lib.registry.Registry;
import lib.registry.Trust;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import support.World;

/**
 * The registry client against registries as operators have them, all started here on this machine:
 * the distribution registry with htpasswd (bcrypt) basic auth; the same registry behind a token service
 * written here (challenge, /token with basic credentials or a refresh token, tokens scoped to the
 * repository) with credentials kept by a credential helper on PATH (credsStore and credHelpers);
 * one with TLS from a private CA and mutual TLS, on a private address in a network namespace made here
 * (not loopback, so neither docker nor the tool may skip verifying it), its CA and client certificate
 * under /etc/docker/certs.d; a forwarding proxy that counts what it forwarded; a front that answers 429,
 * 503 or closes the connection once. Test images go in with the real docker CLI and the same
 * DOCKER_CONFIG, PATH and certs.d; deploy, build-image --push and clean-images --registry come back
 * through the tool with them. Everything made here is removed at the end. SwarmTwoNodeIT writes to
 * /etc/docker/certs.d too, hence the lock they share.
 */
@ResourceLock("/etc/docker/certs.d")
@Order(3) // long: started early (tests/run.java)
class RegistryAccessIT {
    static final String USER = "tester";
    static final String PASSWORD = "s3cret-pw";
    static final String REFRESH = "refresh-" + Long.toHexString(System.nanoTime());
    static final String SERVICE = "seisei-test-registry";
    static final String ISSUER = "seisei-test-issuer";
    static final String HELPER = "seiseitest";
    static final Path CERTS_D = Trust.CERTS_D;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static Path dir;
    static Path bin;
    static Path helperStore;
    static String netns, vethHost;
    static String nsAddress;
    static final List<Process> processes = new ArrayList<>();
    static final List<AutoCloseable> servers = new ArrayList<>();
    static final List<String> localRefs = Collections.synchronizedList(new ArrayList<>());
    static boolean certsDExisted;
    static String homeDockerConfig;

    static String basic, token, tls, plainInNs, loopbackTls;
    static TokenService tokens;
    static Map<String, String> digests = new LinkedHashMap<>();

    // ---- set-up ----

    @BeforeAll
    static void start() throws Exception {
        homeDockerConfig = fingerprint(Path.of(System.getProperty("user.home"), ".docker"));
        certsDExisted = Files.isDirectory(CERTS_D);
        dir = Files.createTempDirectory("seisei-regaccess-");
        bin = Files.createDirectories(dir.resolve("bin"));
        helperStore = Files.createDirectories(dir.resolve("helper-store"));
        writeHelpers();
        certificates();
        Files.writeString(dir.resolve("htpasswd"), sh(List.of("htpasswd", "-Bbn", USER, PASSWORD)).strip() + "\n");

        int basicPort = freePort(), tokenPort = freePort(), tokenServicePort = freePort();
        basic = "127.0.0.1:" + basicPort;
        token = "127.0.0.1:" + tokenPort;
        tokens = new TokenService(tokenServicePort, dir.resolve("token.key"), dir.resolve("token.crt"));
        servers.add(tokens);
        registry("basic", basic, List.of("auth:", "  htpasswd:", "    realm: seisei-test", "    path: " + dir.resolve("htpasswd")), null);
        registry("token", token, List.of("auth:", "  token:", "    realm: http://127.0.0.1:" + tokenServicePort + "/token",
                "    service: " + SERVICE, "    issuer: " + ISSUER, "    rootcertbundle: " + dir.resolve("token.crt")), null);
        loopbackTls = "127.0.0.1:" + freePort();
        registry("loopbacktls", loopbackTls, List.of("  tls:", "    certificate: " + dir.resolve("server.crt"), "    key: " + dir.resolve("server.key")), null);
        namespace();
        tls = nsAddress + ":5443";
        registry("tls", tls, List.of("  tls:", "    certificate: " + dir.resolve("server.crt"), "    key: " + dir.resolve("server.key"),
                "    clientcas:", "      - " + dir.resolve("ca.crt")), netns);
        plainInNs = nsAddress + ":5080";
        Files.createDirectories(dir.resolve("www"));
        Files.writeString(dir.resolve("www/index.html"), "plain\n");
        processes.add(new ProcessBuilder("ip", "netns", "exec", netns, "busybox", "httpd", "-f", "-p", plainInNs, "-h", dir.resolve("www").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("httpd.log").toFile()).start());
        for (String hp : List.of(basic, token, loopbackTls)) waitFor(hp);

        for (String hp : List.of(tls, plainInNs)) waitFor(hp);

        // docker itself logs in and pushes: auths for the basic registry, the helper (credsStore) for the token one
        Path login = config("login", "{}");
        World.Run r = run(List.of("docker", "login", "--username", USER, "--password-stdin", basic),
                Map.of("DOCKER_CONFIG", login.getParent().toString()), PASSWORD);
        assertEquals(0, r.exit(), "docker login: " + r);
        assertTrue(Json.tree(Files.readString(login)).path("auths").has(basic), "docker login wrote auths for " + basic + ": " + Files.readString(login));
        helperCredentials(token, USER, PASSWORD);
        Path store = config("store", "{\"credsStore\": \"" + HELPER + "\"}");
        Path empty = config("empty", "{}");
        installCertsD(true, true);
        for (String tag : List.of("v1", "v2")) {
            push(basic, "seisei-test/app", tag, login);
            push(token, "seisei-test/app", tag, store);
            push(tls, "seisei-test/app", tag, empty);
        }
        push(loopbackTls, "seisei-test/app", "v1", empty);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            for (String ref : new TreeSet<>(localRefs)) sh(List.of("docker", "rmi", ref), true);
            for (String repo : List.of(basic, token, tls, loopbackTls)) {
                for (String line : sh(List.of("docker", "images", "--digests", "--format", "{{.Repository}} {{.Tag}} {{.Digest}}"), true).lines().toList()) {
                    String[] f = line.split(" ");
                    if (f.length < 3 || !f[0].startsWith(repo + "/")) continue;
                    if (!f[1].equals("<none>")) sh(List.of("docker", "rmi", f[0] + ":" + f[1]), true);
                    if (f[2].startsWith("sha256:")) sh(List.of("docker", "rmi", f[0] + "@" + f[2]), true);
                }
            }
        } finally {
            for (AutoCloseable s : servers) s.close();
            for (Process p : processes) {
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
            }
            removeCertsD();
            if (vethHost != null) sh(List.of("ip", "link", "del", vethHost), true);
            if (netns != null) sh(List.of("ip", "netns", "del", netns), true);
            if (dir != null) deleteTree(dir);
        }
        assertEquals(homeDockerConfig, fingerprint(Path.of(System.getProperty("user.home"), ".docker")), "~/.docker is as it was");
        if (!certsDExisted) assertFalse(Files.exists(CERTS_D), "/etc/docker/certs.d did not exist before and does not now");
    }

    /** A private /30 in a network namespace of this test: the host side .1, the registry side .2. */
    static void namespace() throws IOException {
        long pid = ProcessHandle.current().pid();
        netns = "seisei-reg-" + pid;
        vethHost = "sreg" + (pid % 100000) + "h";
        String vethNs = "sreg" + (pid % 100000) + "n";
        String net = "10.231." + (pid % 250) + ".";
        nsAddress = net + "2";
        sh(List.of("ip", "netns", "add", netns));
        sh(List.of("ip", "link", "add", vethHost, "type", "veth", "peer", "name", vethNs));
        sh(List.of("ip", "link", "set", vethNs, "netns", netns));
        sh(List.of("ip", "addr", "add", net + "1/30", "dev", vethHost));
        sh(List.of("ip", "link", "set", vethHost, "up"));
        sh(List.of("ip", "-n", netns, "addr", "add", nsAddress + "/30", "dev", vethNs));
        sh(List.of("ip", "-n", netns, "link", "set", vethNs, "up"));
        sh(List.of("ip", "-n", netns, "link", "set", "lo", "up"));
    }

    /** A test CA; the registry's certificate (for the namespace address and 127.0.0.1); RSA (PKCS#1) and EC (SEC1) client certificates; the token signer. */
    static void certificates() throws IOException {
        String ip = "10.231." + (ProcessHandle.current().pid() % 250) + ".2";
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=seisei test CA");
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=seisei test registry");
        Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:" + ip + ",IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "2",
                "-extfile", "server.ext");
        Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
        openssl("genrsa", "-traditional", "-out", "client.key", "2048");
        openssl("req", "-new", "-key", "client.key", "-out", "client.csr", "-subj", "/CN=seisei test client");
        openssl("x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "client.cert", "-days", "2",
                "-extfile", "client.ext");
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "client-ec.key");
        openssl("req", "-new", "-key", "client-ec.key", "-out", "client-ec.csr", "-subj", "/CN=seisei test ec client");
        openssl("x509", "-req", "-in", "client-ec.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "client-ec.cert", "-days", "2",
                "-extfile", "client.ext");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "token.key", "-out", "token.crt", "-days", "2", "-subj", "/CN=seisei test token issuer");
        assertTrue(Files.readString(dir.resolve("client.key")).startsWith("-----BEGIN RSA PRIVATE KEY-----"), "a PKCS#1 key");
        assertTrue(Files.readString(dir.resolve("client-ec.key")).startsWith("-----BEGIN EC PRIVATE KEY-----"), "a SEC1 key");
    }

    static void openssl(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "openssl " + String.join(" ", args) + ": " + out);
        } catch (InterruptedException e) {
            throw new IOException(e);
        }
    }

    /** /etc/docker/certs.d/<tls registry>/: the CA and/or the RSA client certificate. */
    static void installCertsD(boolean ca, boolean client) throws IOException {
        Path d = CERTS_D.resolve(tls);
        Files.createDirectories(d);
        for (String f : List.of("ca.crt", "client.cert", "client.key")) Files.deleteIfExists(d.resolve(f));
        if (ca) Files.copy(dir.resolve("ca.crt"), d.resolve("ca.crt"));
        if (client) {
            Files.copy(dir.resolve("client.cert"), d.resolve("client.cert"));
            Files.copy(dir.resolve("client.key"), d.resolve("client.key"));
        }
    }

    static void removeCertsD() throws IOException {
        if (tls != null) deleteTree(CERTS_D.resolve(tls));
        if (!certsDExisted && Files.isDirectory(CERTS_D)) {
            try (var s = Files.list(CERTS_D)) {
                if (s.findAny().isEmpty()) Files.delete(CERTS_D);
            }
        }
    }

    /** The distribution registry on hostPort with deletes enabled and {@code extra} config (auth, or http: tls lines). */
    static void registry(String name, String hostPort, List<String> extra, String inNetns) throws IOException {
        Path d = Files.createDirectories(dir.resolve("registry-" + name));
        List<String> cfg = new ArrayList<>(List.of("version: 0.1", "log:", "  level: warn", "storage:", "  filesystem:",
                "    rootdirectory: " + d.resolve("data"), "  delete:", "    enabled: true", "http:", "  addr: " + hostPort,
                "  secret: seisei-test-" + name));
        cfg.addAll(extra); // auth: at the top level, or "  tls:" lines that continue http:
        Files.write(d.resolve("config.yml"), cfg);
        List<String> cmd = new ArrayList<>();
        if (inNetns != null) cmd.addAll(List.of("ip", "netns", "exec", inNetns));
        cmd.addAll(List.of("docker-registry", "serve", d.resolve("config.yml").toString()));
        processes.add(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(d.resolve("registry.log").toFile()).start());
    }

    /** docker-credential-seiseitest (a store in files), -broken (always fails) on the test's PATH. */
    static void writeHelpers() throws IOException {
        String store = String.join("\n",
                "#!/bin/sh",
                "# a docker credential helper keeping credentials in files of the test",
                "store=" + helperStore,
                "key() { printf %s \"$1\" | tr -c 'A-Za-z0-9._-' _; }",
                "case \"$1\" in",
                "  get) read -r server; echo \"get $server\" >> \"$store/calls.log\"",
                "       if [ -f \"$store/$(key \"$server\")\" ]; then cat \"$store/$(key \"$server\")\"; else echo 'credentials not found in native keychain'; exit 1; fi ;;",
                "  store) payload=$(cat); server=$(printf %s \"$payload\" | sed -n 's/.*\"ServerURL\": *\"\\([^\"]*\\)\".*/\\1/p')",
                "       printf %s \"$payload\" > \"$store/$(key \"$server\")\" ;;",
                "  erase) read -r server; rm -f \"$store/$(key \"$server\")\" ;;",
                "  list) echo '{}' ;;",
                "  *) echo \"unknown action $1\" >&2; exit 2 ;;",
                "esac",
                "");
        Path s = bin.resolve("docker-credential-" + HELPER);
        Files.writeString(s, store);
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path b = bin.resolve("docker-credential-" + HELPER + "broken");
        Files.writeString(b, "#!/bin/sh\necho 'the keyring is locked' >&2\nexit 3\n");
        Files.setPosixFilePermissions(b, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    static void helperCredentials(String server, String user, String secret) throws IOException {
        Files.writeString(helperStore.resolve(server.replaceAll("[^A-Za-z0-9._-]", "_")),
                "{\"ServerURL\":\"" + server + "\",\"Username\":\"" + user + "\",\"Secret\":\"" + secret + "\"}");
    }

    static List<String> helperCalls() throws IOException {
        Path log = helperStore.resolve("calls.log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    /** A DOCKER_CONFIG directory of the test with this config.json; returns the file. */
    static Path config(String name, String json) throws IOException {
        Path d = Files.createDirectories(dir.resolve("docker-config-" + name));
        Files.writeString(d.resolve("config.json"), json);
        return d.resolve("config.json");
    }

    static String auth(String user, String password) {
        return Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** Tags the local test image into a registry and pushes it with the docker CLI; remembers the digest it pushed. */
    static String push(String registry, String repo, String tag, Path config) throws Exception {
        String ref = registry + "/" + repo + ":" + tag;
        sh(List.of("docker", "tag", World.APP + ":" + tag, ref));
        localRefs.add(ref);
        World.Run r = run(List.of("docker", "push", ref), env(config), null);
        assertEquals(0, r.exit(), "docker push " + ref + ": " + r);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("digest: (sha256:[0-9a-f]{64})").matcher(r.stdout());
        assertTrue(m.find(), r.stdout());
        digests.put(ref, m.group(1));
        return m.group(1);
    }

    /** The environment the tool and docker run with in a test: its DOCKER_CONFIG and the helpers on PATH. */
    static Map<String, String> env(Path config, String... more) {
        Map<String, String> e = new LinkedHashMap<>();
        e.put("DOCKER_CONFIG", config.getParent().toString());
        e.put("PATH", bin + ":" + System.getenv("PATH"));
        for (int i = 0; i + 1 < more.length; i += 2) e.put(more[i], more[i + 1]);
        return e;
    }

    /** The tool's client with a test environment, in this process. */
    static Registry client(Map<String, String> env) {
        return new Registry(env);
    }

    // ---- running things ----

    static World.Run run(List<String> cmd, Map<String, String> extraEnv, String stdin) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("NO_COLOR", "1");
        pb.environment().putAll(extraEnv);
        Path out = Files.createTempFile(dir, "out", ".txt"), err = Files.createTempFile(dir, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        if (stdin == null) pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        if (stdin != null) {
            try (OutputStream o = p.getOutputStream()) {
                o.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("timed out: " + cmd);
        }
        World.Run r = new World.Run(p.exitValue(), Files.readString(out), Files.readString(err));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    /** A script with --root and --source of the world and a test environment. */
    static World.Run script(World w, Map<String, String> env, String script, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(World.REPO.resolve("jbang").toString(), World.REPO.resolve(script + ".java").toString()));
        cmd.addAll(List.of(args));
        if (!script.equals("build-image")) cmd.addAll(List.of("--root", w.root.toString()));
        if (script.equals("deploy")) cmd.addAll(List.of("--source", w.source.toString()));
        Map<String, String> e = new LinkedHashMap<>(env);
        e.put("SEISEI_ACTOR", "tester");
        return run(cmd, e, null);
    }

    /** Deploys TAG of REPO to a new stack, resolved in the registry (no digest file): the manifest pins what docker pushed. */
    static String deployed(World w, Map<String, String> env, String repo, String tag) throws Exception {
        String s = stack(w, repo);
        World.Run ok = script(w, env, "deploy", s, "staging", tag);
        assertEquals(0, ok.exit(), ok.toString());
        localRefs.add(repo + "@" + digests.get(repo + ":" + tag));
        assertEquals(digests.get(repo + ":" + tag), CurrentManifest.read(new Layout(w.root), s).image_digest);
        assertEquals(tag, w.version(s));
        return s;
    }

    static String stack(World w, String repository) {
        return w.stack(w.name("reg", "-staging"), "{\"images\": [{\"var\": \"IMAGE_REF\", \"repository\": \"" + repository + "\"}]}");
    }

    static String sh(List<String> cmd) {
        return sh(cmd, false);
    }

    static String sh(List<String> cmd, boolean tolerate) {
        return sh(cmd, tolerate, Map.of());
    }

    static String sh(List<String> cmd, boolean tolerate, Map<String, String> env) {
        try {
            World.Run r = run(cmd, env, null);
            if (!tolerate) assertEquals(0, r.exit(), String.join(" ", cmd) + ": " + r);
            return r.stdout();
        } catch (Exception e) {
            if (tolerate) return "";
            throw new RuntimeException(e);
        }
    }

    /** The one error line of a refused run: exactly one "error:" line, the last one, with no Java names in it. */
    static String oneLineError(World.Run r, int exit) {
        assertEquals(exit, r.exit(), r.toString());
        List<String> errors = r.stderr().lines().filter(s -> s.startsWith("error:")).toList();
        assertEquals(1, errors.size(), r.toString());
        List<String> lines = r.stderr().lines().filter(s -> !s.isBlank() && !s.startsWith("[jbang]")).toList();
        assertEquals(errors.get(0), lines.get(lines.size() - 1), "the error is the last line: " + r);
        assertFalse(errors.get(0).matches(".*\\b(java|javax|sun|jdk)\\.[a-z].*") || errors.get(0).matches(".*\\w+Exception\\b.*"),
                "no Java names: " + errors.get(0));
        return errors.get(0);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    static void waitFor(String hostPort) throws InterruptedException {
        String host = hostPort.substring(0, hostPort.lastIndexOf(':'));
        int port = Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
        for (int i = 0; i < 150; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 500);
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        fail(hostPort + " did not start listening");
    }

    static void deleteTree(Path top) throws IOException {
        if (!Files.exists(top)) return;
        try (var s = Files.walk(top)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    static String fingerprint(Path d) {
        return Files.exists(d) ? String.valueOf(World.snapshot(d)) : "absent";
    }

    // ---- the tests ----

    @Test
    void basicAuthWithDockersOwnLoginResolvesAndDeploysAndRefusalsAreOneLine() throws Exception {
        Path login = dir.resolve("docker-config-login/config.json");
        String repo = basic + "/seisei-test/app";
        try (World w = new World()) {
            String s = deployed(w, env(login), repo, "v1");
            Map<String, String> before = w.snapshot();

            Path wrong = config("wrong", "{\"auths\": {\"" + basic + "\": {\"auth\": \"" + auth(USER, "not-it") + "\"}}}");
            String e = oneLineError(script(w, env(wrong), "deploy", s, "staging", "v2"), 1);
            assertTrue(e.contains("registry " + basic + " refused the credentials of user " + USER + " from auths in " + wrong), e);
            assertTrue(e.endsWith("log in again with `docker login " + basic + "`"), e);
            assertEquals(before, w.snapshot(), "the root is as it was");

            Path none = config("none", "{}");
            e = oneLineError(script(w, env(none), "deploy", s, "staging", "v2"), 1);
            assertTrue(e.contains("needs credentials for seisei-test/app and " + none + " has none for it: log in with `docker login " + basic + "`"), e);
            assertEquals(before, w.snapshot());

            e = oneLineError(script(w, env(login), "deploy", s, "staging", "no-such-tag"), 2);
            assertTrue(e.contains("tag no-such-tag not found in " + repo), e);
            assertEquals(before, w.snapshot());
            assertEquals("v1", w.version(s));
        }
    }

    @Test
    void theTokenServiceScopesTokensToTheRepositoryLikeHostedRegistries() throws Exception {
        String base = "http://" + token + "/v2/seisei-test/app/manifests/v1";
        HttpResponse<String> anonymous = HTTP.send(HttpRequest.newBuilder(URI.create(base)).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, anonymous.statusCode());
        String challenge = anonymous.headers().firstValue("WWW-Authenticate").orElse("");
        assertTrue(challenge.startsWith("Bearer realm=\"http://127.0.0.1:" + tokens.port + "/token\""), challenge);
        assertEquals(401, tokenStatus(auth(USER, "wrong"), "repository:seisei-test/app:pull"), "a wrong password gets no token");
        String own = tokenFor(auth(USER, PASSWORD), "repository:seisei-test/app:pull");
        String foreign = tokenFor(auth(USER, PASSWORD), "repository:seisei-test/other:pull");
        assertEquals(200, get(base, "Bearer " + own));
        assertEquals(401, get(base, "Bearer " + foreign), "a token for another repository is refused");
        assertEquals(401, get(base, "Bearer " + own.substring(0, own.length() - 4) + "AAAA"), "a forged token is refused");
    }

    static int tokenStatus(String basicAuth, String scope) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + tokens.port + "/token?service=" + SERVICE + "&scope=" + scope))
                .header("Authorization", "Basic " + basicAuth).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    static String tokenFor(String basicAuth, String scope) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + tokens.port + "/token?service=" + SERVICE
                + "&scope=" + scope)).header("Authorization", "Basic " + basicAuth).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return Json.tree(r.body()).path("token").asText();
    }

    static int get(String url, String authorization) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", authorization)
                .header("Accept", Registry.ACCEPT).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void bearerTokensWithACredsStoreHelperDeployBuildAndClean() throws Exception {
        Path store = dir.resolve("docker-config-store/config.json");
        String repo = token + "/seisei-test/app";
        try (World w = new World()) {
            int calls = helperCalls().size();
            deployed(w, env(store), repo, "v2");
            assertTrue(helperCalls().subList(calls, helperCalls().size()).contains("get " + token), "the tool asked the helper: " + helperCalls());

            // the same credentials read back what build-image pushed
            buildAndPush(w, token + "/seisei-test", env(store));

            // clean-images --registry deletes through the token service (delete scope)
            cleanKeepsTheNewest(w, token + "/seisei-test/cleanme", store);
        }
    }

    @Test
    void credHelpersComeBeforeAuthsAndAnIdentityTokenIsExchanged() throws Exception {
        String repo = token + "/seisei-test/app";
        // auths holds a wrong password; the per-registry helper has the right one and wins
        Path helpers = config("helpers", "{\"credHelpers\": {\"" + token + "\": \"" + HELPER + "\"}, \"auths\": {\"" + token
                + "\": {\"auth\": \"" + auth(USER, "stale") + "\"}}}");
        assertEquals(digests.get(repo + ":v1"), client(env(helpers)).digestOf(repo, "v1"));
        Path stale = config("stale", "{\"auths\": {\"" + token + "\": {\"username\": \"" + USER + "\", \"password\": \"stale\"}}}");
        Fail refused = assertThrows(Fail.class, () -> client(env(stale)).digestOf(repo, "v1"));
        assertEquals("registry " + token + " refused the credentials of user " + USER + " from auths in " + stale
                + ": log in again with `docker login " + token + "`", refused.getMessage(), "the token service said no");
        try (World w = new World()) {
            String s = stack(w, repo);
            World.Run dry = script(w, env(helpers), "deploy", s, "staging", "v1", "--dry-run", "--json");
            assertEquals(0, dry.exit(), dry.toString());
            assertEquals(digests.get(repo + ":v1"), Json.tree(dry.stdout()).path("images").path("IMAGE_REF").path("digest").asText(), dry.stdout());
            Map<String, String> before = w.snapshot();

            Path refresh = config("refresh", "{\"auths\": {\"" + token + "\": {\"identitytoken\": \"" + REFRESH + "\"}}}");
            assertEquals(digests.get(repo + ":v2"), client(env(refresh)).digestOf(repo, "v2"));
            int posts = tokens.refreshGrants.get();
            World.Run viaRefresh = script(w, env(refresh), "deploy", s, "staging", "v2", "--dry-run", "--json");
            assertEquals(0, viaRefresh.exit(), viaRefresh.toString());
            assertEquals(digests.get(repo + ":v2"), Json.tree(viaRefresh.stdout()).path("images").path("IMAGE_REF").path("digest").asText());
            assertTrue(tokens.refreshGrants.get() > posts, "the identity token went to the token service as a refresh token");

            Path badRefresh = config("badrefresh", "{\"auths\": {\"" + token + "\": {\"identitytoken\": \"expired\"}}}");
            String e = oneLineError(script(w, env(badRefresh), "deploy", s, "staging", "v2"), 1);
            assertTrue(e.contains("refused the credentials of the identity token from auths in " + badRefresh), e);

            Path missing = config("missinghelper", "{\"credsStore\": \"nosuchhelper\"}");
            e = oneLineError(script(w, env(missing), "deploy", s, "staging", "v2"), 1);
            assertTrue(e.contains("credential helper docker-credential-nosuchhelper (credsStore in " + missing + ") is not on PATH"), e);

            Path broken = config("brokenhelper", "{\"credHelpers\": {\"" + token + "\": \"" + HELPER + "broken\"}}");
            e = oneLineError(script(w, env(broken), "deploy", s, "staging", "v2"), 1);
            assertTrue(e.contains("credential helper docker-credential-" + HELPER + "broken (credHelpers in " + broken + ") failed for " + token
                    + " (exit 3): the keyring is locked"), e);

            assertEquals(before, w.snapshot(), "refusals leave the root as it was");
        }
    }

    @Test
    void privateCaAndMutualTlsFromCertsDAndOneLineWithoutThem() throws Exception {
        Path empty = config("empty", "{}");
        String repo = tls + "/seisei-test/app";
        try (World w = new World()) {
            installCertsD(true, true);
            String s = deployed(w, env(empty), repo, "v1");
            buildAndPush(w, tls + "/seisei-test", env(empty));
            cleanKeepsTheNewest(w, tls + "/seisei-test/cleanme", empty);
            Map<String, String> before = w.snapshot();
            try {
                // an EC (SEC1) client key works as well as the RSA (PKCS#1) one
                Path d = CERTS_D.resolve(tls);
                Files.copy(dir.resolve("client-ec.cert"), d.resolve("client.cert"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                Files.copy(dir.resolve("client-ec.key"), d.resolve("client.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                assertEquals(digests.get(repo + ":v2"), client(env(empty)).digestOf(repo, "v2"));

                installCertsD(false, true);
                String e = oneLineError(script(w, env(empty), "deploy", s, "staging", "v2"), 1);
                assertEquals("error: registry " + tls + " presented a certificate that is not trusted: put the CA certificate that signed it in "
                        + CERTS_D.resolve(tls) + "/ca.crt (docker reads it there too)", e);
                assertEquals(before, w.snapshot());

                installCertsD(true, false);
                e = oneLineError(script(w, env(empty), "deploy", s, "staging", "v2"), 1);
                assertEquals("error: registry " + tls + " asks for a TLS client certificate: put client.cert and client.key in " + CERTS_D.resolve(tls), e);
                assertEquals(before, w.snapshot());

                // loopback is an insecure registry to docker: TLS there is not checked, as docker pushed there without certs.d
                String onLoopback = loopbackTls + "/seisei-test/app";
                assertEquals(digests.get(onLoopback + ":v1"), client(env(empty)).digestOf(onLoopback, "v1"));

                // a registry on a private address that speaks plain HTTP is not one the engine lists as insecure
                Fail plain = assertThrows(Fail.class, () -> client(env(empty)).digestOf(plainInNs + "/seisei-test/app", "v1"));
                assertTrue(plain.getMessage().startsWith("registry " + plainInNs + " answers plain HTTP, not HTTPS: docker speaks plain HTTP only to"
                        + " loopback and to the engine's insecure registries; add \"" + plainInNs + "\" to insecure-registries"), plain.getMessage());
            } finally {
                installCertsD(true, true);
            }
            assertEquals("v1", w.version(s));
        }
    }

    @Test
    void proxiesCarryTheRequestsTheyShouldAndOnlyThose() throws Exception {
        Path empty = config("empty", "{}");
        Path login = dir.resolve("docker-config-login/config.json");
        String repo = tls + "/seisei-test/app";
        try (ConnectProxy proxy = new ConnectProxy(null); ConnectProxy guarded = new ConnectProxy(auth("pu", "pp")); World w = new World()) {
            String proxyUrl = "http://127.0.0.1:" + proxy.port;
            String s = deployed(w, env(empty, "HTTPS_PROXY", proxyUrl), repo, "v2");
            assertTrue(proxy.forwarded.contains(tls), "the registry was reached through the proxy: " + proxy.forwarded);

            int n = proxy.forwarded.size();
            assertEquals(digests.get(repo + ":v1"), client(env(empty, "https_proxy", proxyUrl, "no_proxy", "10.231.0.0/16")).digestOf(repo, "v1"));
            assertEquals(digests.get(repo + ":v1"), client(env(empty, "HTTPS_PROXY", proxyUrl, "NO_PROXY", "example.com," + nsAddress)).digestOf(repo, "v1"));
            assertEquals(digests.get(basic + "/seisei-test/app:v1"),
                    client(env(login, "HTTPS_PROXY", proxyUrl, "HTTP_PROXY", proxyUrl)).digestOf(basic + "/seisei-test/app", "v1"));
            assertEquals(n, proxy.forwarded.size(), "NO_PROXY and loopback go direct: " + proxy.forwarded);
            assertEquals(digests.get(repo + ":v1"), client(env(empty, "https_proxy", "127.0.0.1:" + proxy.port)).digestOf(repo, "v1"));
            assertEquals(n + 1, proxy.forwarded.size(), "a proxy without a scheme is http://");

            String withCredentials = "http://pu:pp@127.0.0.1:" + guarded.port;
            assertEquals(digests.get(repo + ":v1"), client(env(empty, "HTTPS_PROXY", withCredentials)).digestOf(repo, "v1"));
            assertEquals(1, guarded.forwarded.size(), "a proxy that asks for credentials gets the ones in HTTPS_PROXY");
            Map<String, String> before = w.snapshot();
            String e = oneLineError(script(w, env(empty, "HTTPS_PROXY", "http://pu:wrong@127.0.0.1:" + guarded.port), "deploy", s, "staging", "v1"), 1);
            assertTrue(e.contains("proxy 127.0.0.1:" + guarded.port + " (HTTPS_PROXY) wants credentials and refused user pu"), e);
            assertFalse(e.contains("wrong"), "no password in messages: " + e);
            e = oneLineError(script(w, env(empty, "HTTPS_PROXY", "http://127.0.0.1:" + freePort()), "deploy", s, "staging", "v1"), 1);
            assertTrue(e.contains("is unreachable: connection refused at 127.0.0.1:"), e);
            assertTrue(e.contains("(HTTPS_PROXY)"), "the address tried is the proxy's: " + e);
            assertEquals(before, w.snapshot());
        }
    }

    @Test
    void rateLimitsResetsAndServerErrorsAreWaitedOutOrRetriedOnce() throws Exception {
        try (Front front = new Front(basic); World w = new World()) {
            String repo = "127.0.0.1:" + front.port + "/seisei-test/app";
            Path login = config("front", "{\"auths\": {\"127.0.0.1:" + front.port + "\": {\"auth\": \"" + auth(USER, PASSWORD) + "\"}}}");
            String expected = digests.get(basic + "/seisei-test/app:v1");
            front.faults.add("429:1");
            String s = stack(w, repo);
            long t0 = System.nanoTime();
            World.Run dry = script(w, env(login), "deploy", s, "staging", "v1", "--dry-run", "--json");
            assertEquals(0, dry.exit(), dry.toString());
            assertEquals(expected, Json.tree(dry.stdout()).path("images").path("IMAGE_REF").path("digest").asText());
            assertTrue(System.nanoTime() - t0 > 1_000_000_000L, "waited as Retry-After asked");
            assertTrue(front.faults.isEmpty() && front.served.get() >= 1, "the 429 was served");

            for (String fault : List.of("503", "reset")) {
                front.faults.add(fault);
                assertEquals(expected, client(env(login)).digestOf(repo, "v1"), fault + " is retried once");
                assertTrue(front.faults.isEmpty(), fault);
            }
            front.faults.addAll(List.of("503", "503"));
            Fail twice = assertThrows(Fail.class, () -> client(env(login)).digestOf(repo, "v1"));
            assertTrue(twice.getMessage().contains("failed with HTTP 503 twice"), twice.getMessage());
            front.faults.clear();

            Map<String, String> before = w.snapshot();
            front.faults.add("429:3600");
            String e = oneLineError(script(w, env(login), "deploy", s, "staging", "v1"), 1);
            assertTrue(e.contains("is limiting requests (HTTP 429) and asks to wait 3600 s, more than the"), e);
            assertEquals(before, w.snapshot());
        }
        try (SilentServer silent = new SilentServer()) {
            Path empty = config("empty", "{}");
            long t0 = System.nanoTime();
            Fail f = assertThrows(Fail.class, () -> client(env(empty, "SEISEI_REGISTRY_TIMEOUT", "1")).digestOf("127.0.0.1:" + silent.port + "/a/b", "v1"));
            assertEquals("registry 127.0.0.1:" + silent.port + " did not answer within 1 s at 127.0.0.1:" + silent.port
                    + " (SEISEI_REGISTRY_TIMEOUT sets how long to wait)", f.getMessage());
            assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "the timeout held");
        }
    }

    // ---- build-image and clean-images through a registry ----

    static final String DOCKERFILE = "FROM scratch\nCOPY busybox /bin/busybox\nCOPY version /www/version\n"
            + "ENTRYPOINT [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"127.0.0.1:18080\", \"-h\", \"/www\"]\n";

    /** build-image --push into {@code prefix}: docker pushes, the tool reads the digest back with the same credentials and trust. */
    static void buildAndPush(World w, String prefix, Map<String, String> env) throws Exception {
        Path checkout = w.dir.resolve("checkout-" + Long.toHexString(System.nanoTime()));
        World.write(checkout.resolve("app/Dockerfile"), DOCKERFILE);
        World.write(checkout.resolve("app/version"), checkout.getFileName() + "\n");
        World.write(checkout.resolve("seisei-services.json"), "{\"services\": {\"app\": {\"image\": \"built\", \"context\": \"app\"}}}");
        Files.copy(Path.of("/bin/busybox"), checkout.resolve("app/busybox"));
        for (List<String> g : List.of(List.of("init", "-q", "-b", "main"), List.of("config", "user.name", "T"), List.of("config", "user.email", "t@example.invalid"),
                List.of("add", "-A"), List.of("commit", "-q", "-m", "one"))) {
            List<String> cmd = new ArrayList<>(List.of("git", "-C", checkout.toString()));
            cmd.addAll(g);
            sh(cmd);
        }
        String sha7 = sh(List.of("git", "-C", checkout.toString(), "rev-parse", "--short=7", "HEAD")).strip();
        String repository = prefix + "/built";
        List<String> cmd = new ArrayList<>(List.of("env", "-C", checkout.toString(), World.REPO.resolve("jbang").toString(),
                World.REPO.resolve("build-image.java").toString(), "app", "--push", "--yes", "--registry", prefix, "--json"));
        for (String t : List.of("sha-" + sha7, "main-" + sha7, "latest")) localRefs.add(repository + ":" + t);
        World.Run r = run(cmd, env, null);
        assertEquals(0, r.exit(), r.toString());
        DigestManifest m = DigestManifest.load(checkout.resolve("image-digests.json"));
        String digest = client(env).digestOf(repository, "sha-" + sha7);
        assertEquals(digest, m.images.get("built").digest);
        assertEquals(repository + "@" + digest, m.images.get("built").ref);
        String pushed = sh(List.of("docker", "image", "inspect", "--format", "{{join .RepoDigests \" \"}}", repository + ":sha-" + sha7));
        assertTrue(pushed.contains(repository + "@" + digest), "the digest docker pushed: " + pushed);
    }

    /** Three sha tags pushed by docker; clean-images --registry --keep 1 deletes the two older ones through the registry's own auth. */
    static void cleanKeepsTheNewest(World w, String repository, Path config) throws Exception {
        String reg = repository.substring(0, repository.indexOf('/'));
        String path = repository.substring(reg.length() + 1);
        List<String> shaTags = new ArrayList<>();
        for (String v : List.of("v1", "v2", "v3")) {
            String tag = "sha-cafe00" + v.charAt(1);
            String ref = repository + ":" + tag;
            sh(List.of("docker", "tag", World.APP + ":" + v, ref));
            localRefs.add(ref);
            World.Run p = run(List.of("docker", "push", ref), env(config), null);
            assertEquals(0, p.exit(), p.toString());
            shaTags.add(tag);
        }
        Files.createDirectories(w.root.resolve("releases"));
        World.Run dry = script(w, env(config), "clean-images", "--registry", repository, "--keep", "1", "--dry-run", "--json");
        assertEquals(0, dry.exit(), dry.toString());
        assertEquals(2, Json.tree(dry.stdout()).path("would_delete").path("digests").asInt(), dry.stdout());
        World.Run yes = script(w, env(config), "clean-images", "--registry", repository, "--keep", "1", "--yes");
        assertEquals(0, yes.exit(), yes.toString());
        assertEquals(List.of(shaTags.get(2)), new TreeSet<>(client(env(config)).tags(repository)).stream().toList(), path);
    }

    // ---- servers written for the test ----

    /**
     * A token service as hosted registries run one: GET /token with Basic credentials (or none: a token
     * with no access), POST /token with a refresh token; JWTs (RS256, the signing certificate in x5c)
     * granting the asked actions on repositories under seisei-test/ to the test user only.
     */
    static final class TokenService implements AutoCloseable {
        final int port;
        final HttpServer server;
        final PrivateKey key;
        final String x5c;
        final AtomicInteger refreshGrants = new AtomicInteger();

        TokenService(int port, Path keyFile, Path certFile) throws Exception {
            this.port = port;
            this.key = Trust.privateKey(Files.readString(keyFile), keyFile.toString());
            this.x5c = Base64.getEncoder().encodeToString(CertificateFactory.getInstance("X.509")
                    .generateCertificate(Files.newInputStream(certFile)).getEncoded());
            server = serve(port, "/token", this::handle);
        }

        void handle(HttpExchange x) throws IOException {
            try (x) {
                Map<String, List<String>> q = new LinkedHashMap<>();
                parseForm(x.getRequestURI().getRawQuery(), q);
                boolean user;
                if (x.getRequestMethod().equals("POST")) {
                    parseForm(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8), q);
                    if (!"refresh_token".equals(first(q, "grant_type")) || !REFRESH.equals(first(q, "refresh_token"))) {
                        send(x, 401, "{\"error\": \"invalid_grant\"}");
                        return;
                    }
                    refreshGrants.incrementAndGet();
                    user = true;
                } else {
                    String a = x.getRequestHeaders().getFirst("Authorization");
                    if (a == null) user = false;
                    else if (a.equals("Basic " + auth(USER, PASSWORD))) user = true;
                    else {
                        send(x, 401, "{\"details\": \"incorrect username or password\"}");
                        return;
                    }
                }
                List<Map<String, Object>> access = new ArrayList<>();
                for (String scope : q.getOrDefault("scope", List.of())) {
                    for (String one : scope.split(" ")) {
                        String[] parts = one.split(":");
                        if (parts.length < 3 || !parts[0].equals("repository")) continue;
                        String name = String.join(":", java.util.Arrays.copyOfRange(parts, 1, parts.length - 1));
                        List<String> actions = new ArrayList<>();
                        if (user && name.startsWith("seisei-test/")) actions.addAll(List.of(parts[parts.length - 1].split(",")));
                        Map<String, Object> e = new LinkedHashMap<>();
                        e.put("type", "repository");
                        e.put("name", name);
                        e.put("actions", actions);
                        access.add(e);
                    }
                }
                String jwt = jwt(access, user ? USER : "");
                String body = Json.MAPPER.writeValueAsString(Map.of("token", jwt, "access_token", jwt, "expires_in", 300));
                send(x, 200, body);
            } catch (Exception e) {
                send(x, 500, "{\"error\": \"" + e + "\"}");
            }
        }

        String jwt(List<Map<String, Object>> access, String subject) throws Exception {
            long now = System.currentTimeMillis() / 1000;
            Map<String, Object> header = Map.of("typ", "JWT", "alg", "RS256", "x5c", List.of(x5c));
            Map<String, Object> claims = new LinkedHashMap<>();
            claims.put("iss", ISSUER);
            claims.put("sub", subject);
            claims.put("aud", SERVICE);
            claims.put("exp", now + 600);
            claims.put("nbf", now - 60);
            claims.put("iat", now);
            claims.put("jti", Long.toHexString(System.nanoTime()));
            claims.put("access", access);
            Base64.Encoder b = Base64.getUrlEncoder().withoutPadding();
            String signing = b.encodeToString(Json.MAPPER.writeValueAsBytes(header)) + "." + b.encodeToString(Json.MAPPER.writeValueAsBytes(claims));
            Signature sig = Signature.getInstance("SHA256withRSA");
            sig.initSign(key);
            sig.update(signing.getBytes(StandardCharsets.US_ASCII));
            return signing + "." + b.encodeToString(sig.sign());
        }

        static void parseForm(String raw, Map<String, List<String>> into) {
            if (raw == null || raw.isEmpty()) return;
            for (String kv : raw.split("&")) {
                int eq = kv.indexOf('=');
                String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
                into.computeIfAbsent(k, z -> new ArrayList<>()).add(v);
            }
        }

        static String first(Map<String, List<String>> q, String k) {
            List<String> v = q.get(k);
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        @Override
        public void close() { server.stop(0); }
    }

    /** An HTTP server on 127.0.0.1:port (0: any) with one handler, on daemon threads. */
    static HttpServer serve(int port, String path, com.sun.net.httpserver.HttpHandler handler) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 16);
        server.createContext(path, handler);
        server.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "test-http" + path);
            t.setDaemon(true);
            return t;
        }));
        server.start();
        return server;
    }

    static void send(HttpExchange x, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/json");
        x.sendResponseHeaders(status, b.length);
        try (OutputStream o = x.getResponseBody()) {
            o.write(b);
        }
    }

    /**
     * A forwarding front for a registry's read API (GET, HEAD) that, for each fault queued, answers one
     * request with it: "429:SECONDS" (Retry-After), "503", or "reset" (the connection closed unanswered).
     */
    static final class Front implements AutoCloseable {
        final int port;
        final HttpServer server;
        final String backend;
        final ConcurrentLinkedQueue<String> faults = new ConcurrentLinkedQueue<>();
        final AtomicInteger served = new AtomicInteger();

        Front(String backend) throws IOException {
            this.backend = backend;
            server = serve(0, "/", this::handle);
            port = server.getAddress().getPort();
        }

        void handle(HttpExchange x) throws IOException {
            String fault = faults.poll();
            if (fault != null) {
                served.incrementAndGet();
                if (fault.equals("reset")) {
                    x.close(); // before any answer: the connection is closed
                    return;
                }
                if (fault.startsWith("429:")) x.getResponseHeaders().set("Retry-After", fault.substring(4));
                x.sendResponseHeaders(fault.startsWith("429") ? 429 : 503, -1);
                x.close();
                return;
            }
            try (x) {
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + backend + x.getRequestURI()))
                        .method(x.getRequestMethod(), HttpRequest.BodyPublishers.noBody());
                for (String h : List.of("Accept", "Authorization")) {
                    String v = x.getRequestHeaders().getFirst(h);
                    if (v != null) b.header(h, v);
                }
                HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
                for (String h : List.of("Content-Type", "Docker-Content-Digest", "WWW-Authenticate", "Link", "Last-Modified"))
                    r.headers().firstValue(h).ifPresent(v -> x.getResponseHeaders().set(h, v));
                boolean head = x.getRequestMethod().equals("HEAD");
                x.sendResponseHeaders(r.statusCode(), head || r.body().length == 0 ? -1 : r.body().length);
                if (!head && r.body().length > 0) {
                    try (OutputStream o = x.getResponseBody()) {
                        o.write(r.body());
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() { server.stop(0); }
    }

    /** An HTTP proxy for CONNECT tunnels that records each target it forwarded; with credentials it asks for them (407). */
    static final class ConnectProxy implements AutoCloseable {
        final ServerSocket socket;
        final int port;
        final String credentials;
        final List<String> forwarded = Collections.synchronizedList(new ArrayList<>());

        ConnectProxy(String basicCredentials) throws IOException {
            this.credentials = basicCredentials;
            socket = new ServerSocket(0, 16, InetAddress.getByName("127.0.0.1"));
            port = socket.getLocalPort();
            Thread t = new Thread(this::accept, "connect-proxy");
            t.setDaemon(true);
            t.start();
        }

        void accept() {
            while (!socket.isClosed()) {
                try {
                    Socket c = socket.accept();
                    Thread t = new Thread(() -> serve(c), "connect-proxy-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        void serve(Socket client) {
            try (client) {
                InputStream in = client.getInputStream();
                OutputStream out = client.getOutputStream();
                while (true) {
                    List<String> head = readHead(in);
                    if (head.isEmpty()) return;
                    String[] request = head.get(0).split(" ");
                    if (!request[0].equals("CONNECT")) {
                        out.write("HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        return;
                    }
                    if (credentials != null && head.stream().noneMatch(h -> h.equalsIgnoreCase("Proxy-Authorization: Basic " + credentials))) {
                        out.write(("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\n"
                                + "Content-Length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        continue;
                    }
                    String target = request[1];
                    int colon = target.lastIndexOf(':');
                    try (Socket upstream = new Socket()) {
                        upstream.connect(new InetSocketAddress(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1))), 5000);
                        forwarded.add(target);
                        out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        Thread up = new Thread(() -> pipe(in, upstreamOut(upstream)), "connect-proxy-up");
                        up.setDaemon(true);
                        up.start();
                        pipe(upstream.getInputStream(), out);
                        up.join(5000);
                    }
                    return;
                }
            } catch (IOException | InterruptedException e) {
                // the client went away
            }
        }

        static OutputStream upstreamOut(Socket s) {
            try {
                return s.getOutputStream();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }

        static void pipe(InputStream in, OutputStream out) {
            byte[] buf = new byte[16384];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // closed
            }
        }

        static List<String> readHead(InputStream in) throws IOException {
            List<String> lines = new ArrayList<>();
            StringBuilder line = new StringBuilder();
            for (int b; (b = in.read()) >= 0; ) {
                if (b == '\n') {
                    String l = line.toString().replace("\r", "");
                    if (l.isEmpty()) return lines;
                    lines.add(l);
                    line.setLength(0);
                } else {
                    line.append((char) b);
                }
            }
            return List.of();
        }

        @Override
        public void close() throws IOException { socket.close(); }
    }

    /** Accepts connections and never answers. */
    static final class SilentServer implements AutoCloseable {
        final ServerSocket socket;
        final int port;
        final List<Socket> held = Collections.synchronizedList(new ArrayList<>());

        SilentServer() throws IOException {
            socket = new ServerSocket(0, 16, InetAddress.getByName("127.0.0.1"));
            port = socket.getLocalPort();
            Thread t = new Thread(() -> {
                while (!socket.isClosed()) {
                    try {
                        held.add(socket.accept());
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "silent");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket s : held) s.close();
        }
    }
}
