package support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * This machine prepared as README's "Preparing a server" says, for a world's root and sources: a
 * deploy user (created with the documented useradd) whose key may only run
 * examples/server/seisei-ssh-command through sudo (the documented sudoers line and authorized_keys
 * line), the seisei catalog added for root, and an sshd of its own on 127.0.0.1 at a free port.
 * Differences from a real server, all for a test that must leave the machine as it was: the wrapper
 * and the sshd config live in the world's dir, not /usr/local/bin and /etc/ssh; root's JBang keeps
 * its catalog in a JBANG_DIR of the world's (a jbang script in the world's dir sets it, and the
 * wrapper is told to use that jbang with its documented --jbang option). close() stops sshd, removes
 * the user with its home, the sudoers file and /run/sshd when it made it.
 */
public final class DeployServer implements AutoCloseable {
    public final String user;
    public final int port;
    /** The deploy key's private half (what CI keeps as a secret). */
    public final String privateKey;
    /** `ssh-keyscan -p PORT 127.0.0.1`: the host key line CI checks the server against. */
    public final String knownHosts;
    private final Path dir;
    private final Path sudoers;
    private final List<Runnable> undo = new ArrayList<>();
    private Process sshd;

    public DeployServer(World w) {
        dir = w.dir.resolve("server");
        user = "seiseici" + ProcessHandle.current().pid() % 100000;
        sudoers = Path.of("/etc/sudoers.d/seisei-ci-" + ProcessHandle.current().pid());
        try {
            check(World.sh(World.REPO.resolve("dev/local-engine.sh").toString(), "ssh"), "dev/local-engine.sh ssh");
            // the deploy user reaches the wrapper through sudo; every dir on its path is root's, mode 755
            for (Path d : List.of(w.dir, dir, dir.resolve("bin"), dir.resolve("ssh"))) {
                Files.createDirectories(d);
                Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            check(World.sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ci", "-f", dir.resolve("ssh/ci_key").toString()), "ssh-keygen");
            check(World.sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "host", "-f", dir.resolve("ssh/host_key").toString()), "ssh-keygen");
            privateKey = Files.readString(dir.resolve("ssh/ci_key"));

            Path wrapper = dir.resolve("bin/seisei-ssh-command");
            check(World.sh("install", "-m", "755", Ci.WRAPPER.toString(), wrapper.toString()), "install the wrapper");
            Path jbang = dir.resolve("bin/jbang");
            World.write(jbang, "#!/bin/sh\n# root's jbang, with its catalog in the test's dir\n"
                    + "export JBANG_DIR=" + dir.resolve("jbang-home") + " JBANG_CACHE_DIR=" + jbangCache() + "\n"
                    + "exec " + World.REPO.resolve("jbang") + " \"$@\"\n");
            Files.setPosixFilePermissions(jbang, PosixFilePermissions.fromString("rwxr-xr-x"));
            check(World.sh(jbang.toString(), "catalog", "add", "--global", "--name", "seisei", World.REPO.resolve("jbang-catalog.json").toString()),
                    "jbang catalog add");

            if (World.sh("id", user).exit() == 0) check(World.sh("userdel", "-r", user), "userdel of a leftover " + user);
            check(World.sh("useradd", "--create-home", "--shell", "/bin/sh", "--password", "*", user), "useradd");
            undo.add(() -> World.sh("userdel", "-r", user));
            Path ssh = Path.of("/home", user, ".ssh");
            check(World.sh("install", "-d", "-m", "700", "-o", user, "-g", user, ssh.toString()), "install -d ~/.ssh");
            String command = "sudo -n " + wrapper + " --root " + w.root + " --source " + w.source + " --jbang " + jbang;
            World.write(ssh.resolve("authorized_keys"), "command=\"" + command + "\",restrict " + Files.readString(dir.resolve("ssh/ci_key.pub")));
            check(World.sh("chown", user + ":" + user, ssh.resolve("authorized_keys").toString()), "chown");
            Files.setPosixFilePermissions(ssh.resolve("authorized_keys"), PosixFilePermissions.fromString("rw-------"));

            World.write(sudoers, user + " ALL=(root) NOPASSWD: " + wrapper + "\n");
            undo.add(() -> {
                try {
                    Files.deleteIfExists(sudoers);
                } catch (IOException ignored) {
                }
            });
            Files.setPosixFilePermissions(sudoers, PosixFilePermissions.fromString("r--r-----"));
            check(World.sh("visudo", "-cf", sudoers.toString()), "visudo -cf");

            Path privsep = Path.of("/run/sshd");
            if (!Files.isDirectory(privsep)) {
                Files.createDirectories(privsep);
                undo.add(() -> World.sh("rmdir", privsep.toString()));
            }
            port = freePort();
            Path config = dir.resolve("ssh/sshd_config");
            World.write(config, String.join("\n", "Port " + port, "ListenAddress 127.0.0.1", "HostKey " + dir.resolve("ssh/host_key"),
                    "PidFile " + dir.resolve("ssh/sshd.pid"), "AuthorizedKeysFile .ssh/authorized_keys", "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no", "PermitRootLogin no", "UsePAM no", "AllowUsers " + user, ""));
            check(World.sh("/usr/sbin/sshd", "-t", "-f", config.toString()), "sshd -t");
            sshd = new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", config.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("ssh/sshd.log").toFile()).start();
            for (int i = 0; i < 100 && !open(port); i++) Thread.sleep(100);
            if (!open(port)) throw new IllegalStateException("sshd did not start: " + log());
            World.Run scan = World.sh("ssh-keyscan", "-p", String.valueOf(port), "-t", "ed25519", "127.0.0.1");
            check(scan, "ssh-keyscan");
            knownHosts = scan.stdout().strip();
        } catch (Exception e) {
            close();
            throw new IllegalStateException("could not prepare the server: " + e.getMessage(), e);
        }
    }

    /** What sshd said (for failure messages). */
    public String log() {
        Path l = dir.resolve("ssh/sshd.log");
        return Files.exists(l) ? World.read(l) : "";
    }

    @Override
    public void close() {
        if (sshd != null) {
            sshd.destroy();
            try {
                if (!sshd.waitFor(10, TimeUnit.SECONDS)) sshd.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (int i = undo.size() - 1; i >= 0; i--) undo.get(i).run();
        undo.clear();
    }

    /** The JBang cache the other tests compile into (JBANG_CACHE_DIR, else ~/.jbang/cache), so the server compiles nothing twice. */
    public static String jbangCache() {
        String c = System.getenv("JBANG_CACHE_DIR");
        return c != null && !c.isBlank() ? c : Path.of(System.getProperty("user.home"), ".jbang", "cache").toString();
    }

    static void check(World.Run r, String what) {
        if (r.exit() != 0) throw new IllegalStateException(what + " failed: " + r);
    }

    static boolean open(int port) {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A port on 127.0.0.1 that the kernel picked as free. */
    public static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
