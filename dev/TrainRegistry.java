import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A stand-in registry on 127.0.0.1 for ./install-fast's training runs: every request gets one fixed
 * manifest digest, so a training deploy resolves its tag over HTTP as a real deploy does (and then
 * fails at the pull, changing nothing). Prints its port; stops when killed, or after 5 minutes.
 *   java dev/TrainRegistry.java
 */
class TrainRegistry {
    public static void main(String[] args) throws Exception {
        String digest = "sha256:" + "3".repeat(64);
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", x -> {
            x.getResponseHeaders().add("Docker-Content-Digest", digest);
            x.getResponseHeaders().add("Content-Type", "application/vnd.docker.distribution.manifest.v2+json");
            boolean head = x.getRequestMethod().equals("HEAD");
            x.sendResponseHeaders(200, head ? -1 : body.length);
            if (!head) x.getResponseBody().write(body);
            x.close();
        });
        server.start();
        System.out.println(server.getAddress().getPort());
        System.out.flush();
        Thread.sleep(300_000);
        System.exit(0);
    }
}
