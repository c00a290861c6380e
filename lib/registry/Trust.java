package lib.registry;

import lib.core.Fail;
import lib.core.Http;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * TLS as docker has it for a registry: the JVM's trust store, the system bundle, and
 * /etc/docker/certs.d/HOST[:PORT]/*.crt as certificate authorities; every *.cert there with its *.key
 * (client.cert and client.key) as client certificates for mutual TLS. Keys are PEM: PKCS#8, PKCS#1 RSA
 * or SEC1 EC, unencrypted, as docker reads them.
 */
public final class Trust {
    public static final Path CERTS_D = Path.of("/etc/docker/certs.d");
    /** Where Go (so docker) looks for the system bundle, in its order. */
    static final List<String> SYSTEM_BUNDLES = List.of("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
            "/etc/ssl/ca-bundle.pem", "/etc/pki/tls/cacert.pem", "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", "/etc/ssl/cert.pem");

    private static volatile List<X509Certificate> baseCas;

    private final Path certsDir;
    private final String sslCertFile;
    private final Map<String, SSLSocketFactory> factories = new ConcurrentHashMap<>();

    public Trust(Path certsDir, Map<String, String> env) {
        this.certsDir = certsDir;
        this.sslCertFile = env.get("SSL_CERT_FILE");
    }

    /** /etc/docker/certs.d/host[:port]: where docker (and this tool) find a registry's CA and client certificate. */
    public Path dirFor(String hostPort) {
        return certsDir.resolve(hostPort.replace("/", "_"));
    }

    public boolean hasClientCertificate(String hostPort) {
        return !pairs(dirFor(hostPort)).isEmpty();
    }

    /** The socket factory for a registry: verified against the CAs, or (an insecure registry) not verified at all. */
    public SSLSocketFactory factory(String hostPort, boolean verify) {
        return factories.computeIfAbsent(hostPort + (verify ? "" : "#insecure"), k -> build(hostPort, verify));
    }

    private SSLSocketFactory build(String hostPort, boolean verify) {
        Path dir = dirFor(hostPort);
        try {
            TrustManager[] tm;
            if (verify) {
                KeyStore cas = KeyStore.getInstance(KeyStore.getDefaultType());
                cas.load(null, null);
                int i = 0;
                for (X509Certificate c : baseCas()) cas.setCertificateEntry("ca" + i++, c);
                for (Path crt : files(dir, ".crt")) for (X509Certificate c : certificates(crt)) cas.setCertificateEntry("ca" + i++, c);
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(cas);
                tm = tmf.getTrustManagers();
            } else {
                tm = new TrustManager[] {new TrustAll()};
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(keyManagers(dir), tm, null);
            return ctx.getSocketFactory();
        } catch (GeneralSecurityException | IOException e) {
            throw Fail.failed("cannot set up TLS for " + hostPort + " from " + dir + ": " + Http.withoutClassNames(String.valueOf(e.getMessage())));
        }
    }

    /** The JVM's trusted CAs and the system bundle (SSL_CERT_FILE first when set), read once per process. */
    private List<X509Certificate> baseCas() throws GeneralSecurityException {
        List<X509Certificate> b = baseCas;
        if (b != null) return b;
        List<X509Certificate> out = new ArrayList<>();
        TrustManagerFactory jvm = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        jvm.init((KeyStore) null);
        for (TrustManager t : jvm.getTrustManagers()) if (t instanceof X509TrustManager x) out.addAll(List.of(x.getAcceptedIssuers()));
        List<String> bundles = new ArrayList<>();
        if (sslCertFile != null && !sslCertFile.isBlank()) bundles.add(sslCertFile);
        bundles.addAll(SYSTEM_BUNDLES);
        for (String f : bundles) {
            Path p = Path.of(f);
            if (!Files.isRegularFile(p)) continue;
            try {
                out.addAll(certificates(p));
                break;
            } catch (Fail | IOException e) {
                // an unreadable bundle is skipped, as Go skips it
            }
        }
        baseCas = List.copyOf(out);
        return baseCas;
    }

    private static KeyManager[] keyManagers(Path dir) throws GeneralSecurityException, IOException {
        List<Path[]> pairs = pairs(dir);
        if (pairs.isEmpty()) return null;
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        char[] pw = new char[0];
        int i = 0;
        for (Path[] p : pairs) {
            List<X509Certificate> chain = certificates(p[0]);
            if (chain.isEmpty()) throw Fail.failed("client certificate " + p[0] + " holds no PEM certificate");
            PrivateKey key = privateKey(Files.readString(p[1], StandardCharsets.US_ASCII), p[1].toString());
            ks.setKeyEntry("client" + i++, key, pw, chain.toArray(new X509Certificate[0]));
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pw);
        return kmf.getKeyManagers();
    }

    /** Each NAME.cert with its NAME.key; either one alone is an error, as it is for docker. */
    static List<Path[]> pairs(Path dir) {
        List<Path[]> out = new ArrayList<>();
        for (Path cert : files(dir, ".cert")) {
            String base = cert.getFileName().toString().replaceAll("\\.cert$", "");
            Path key = dir.resolve(base + ".key");
            if (!Files.isRegularFile(key)) throw Fail.failed("client certificate " + cert + " has no key " + key + " beside it (docker needs both)");
            out.add(new Path[] {cert, key});
        }
        for (Path key : files(dir, ".key")) {
            String base = key.getFileName().toString().replaceAll("\\.key$", "");
            if (!Files.isRegularFile(dir.resolve(base + ".cert")))
                throw Fail.failed("client key " + key + " has no certificate " + dir.resolve(base + ".cert") + " beside it (docker needs both)");
        }
        return out;
    }

    private static List<Path> files(Path dir, String suffix) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix) && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            throw Fail.failed("cannot read " + dir + ": " + e.getMessage());
        }
    }

    /** The certificates of a PEM file (any text around the blocks is ignored). */
    static List<X509Certificate> certificates(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.ISO_8859_1);
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (Block b : blocks(text)) {
                if (b.label.equals("CERTIFICATE") || b.label.equals("TRUSTED CERTIFICATE"))
                    out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(b.der)));
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw Fail.failed("certificate file " + file + " is not valid PEM: " + Http.withoutClassNames(String.valueOf(e.getMessage())));
        }
        return out;
    }

    /** One PEM block: its label (BEGIN label), headers (RFC 1421, "Proc-Type: ..."), and bytes. */
    record Block(String label, List<String> headers, byte[] der) {}

    static List<Block> blocks(String text) {
        List<Block> out = new ArrayList<>();
        String[] lines = text.replace("\r", "").split("\n");
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i].strip();
            if (!l.startsWith("-----BEGIN ") || !l.endsWith("-----")) continue;
            String label = l.substring(11, l.length() - 5);
            List<String> headers = new ArrayList<>();
            StringBuilder b64 = new StringBuilder();
            int j = i + 1;
            for (; j < lines.length; j++) {
                String m = lines[j].strip();
                if (m.startsWith("-----END ")) break;
                if (m.contains(":")) headers.add(m);
                else b64.append(m);
            }
            if (j == lines.length) break;
            out.add(new Block(label, headers, Base64.getMimeDecoder().decode(b64.toString())));
            i = j;
        }
        return out;
    }

    /** The private key of a PEM file: PKCS#8 (RSA or EC), PKCS#1 RSA, or SEC1 EC; encrypted keys are refused. */
    public static PrivateKey privateKey(String pem, String what) {
        for (Block b : blocks(pem)) {
            if (!b.label.endsWith("PRIVATE KEY")) continue;
            if (b.label.startsWith("ENCRYPTED") || b.headers.stream().anyMatch(h -> h.replace(" ", "").equalsIgnoreCase("Proc-Type:4,ENCRYPTED")))
                throw Fail.failed("client key " + what + " is encrypted: docker needs it unencrypted too (openssl pkey -in KEY -out " + what + ")");
            try {
                return switch (b.label) {
                    case "PRIVATE KEY" -> pkcs8(b.der, what);
                    case "RSA PRIVATE KEY" -> KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(
                            Der.pkcs8(Der.RSA_ENCRYPTION, null, b.der)));
                    case "EC PRIVATE KEY" -> KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(
                            Der.pkcs8(Der.EC_PUBLIC_KEY, Der.sec1Curve(b.der, what), b.der)));
                    default -> throw Fail.failed("client key " + what + " is a " + b.label + ", not an RSA or EC key");
                };
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                throw Fail.failed("client key " + what + " cannot be read as a " + b.label + ": " + Http.withoutClassNames(String.valueOf(e.getMessage())));
            }
        }
        throw Fail.failed("client key " + what + " holds no PEM private key");
    }

    private static PrivateKey pkcs8(byte[] der, String what) throws GeneralSecurityException {
        GeneralSecurityException last = null;
        for (String alg : List.of("RSA", "EC")) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw Fail.failed("client key " + what + " is neither an RSA nor an EC key"
                + (last == null ? "" : " (" + Http.withoutClassNames(String.valueOf(last.getMessage())) + ")"));
    }

    /** Just enough DER to wrap PKCS#1 and SEC1 keys into PKCS#8 for the JDK's key factories. */
    static final class Der {
        static final byte[] RSA_ENCRYPTION = {0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01};
        static final byte[] EC_PUBLIC_KEY = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

        /** PrivateKeyInfo: version 0, the algorithm (with NULL or the curve as parameters), the key as an octet string. */
        static byte[] pkcs8(byte[] algorithmOid, byte[] parameters, byte[] key) {
            byte[] params = parameters == null ? new byte[] {0x05, 0x00} : parameters;
            byte[] alg = tlv(0x30, concat(algorithmOid, params));
            return tlv(0x30, concat(new byte[] {0x02, 0x01, 0x00}, alg, tlv(0x04, key)));
        }

        /** The named-curve OID (as a whole TLV) from a SEC1 ECPrivateKey's [0] parameters. */
        static byte[] sec1Curve(byte[] der, String what) {
            int[] outer = header(der, 0);
            if ((der[0] & 0xff) != 0x30) throw new IllegalArgumentException("not a SEQUENCE");
            int p = outer[0];
            int end = outer[0] + outer[1];
            while (p < end) {
                int tag = der[p] & 0xff;
                int[] h = header(der, p);
                if (tag == 0xa0) {
                    int inner = h[0];
                    if ((der[inner] & 0xff) != 0x06) break;
                    int[] oid = header(der, inner);
                    return java.util.Arrays.copyOfRange(der, inner, oid[0] + oid[1]);
                }
                p = h[0] + h[1];
            }
            throw Fail.failed("client key " + what + " does not name its curve; write it as PKCS#8 (openssl pkcs8 -topk8 -nocrypt)");
        }

        /** {content offset, content length} of the TLV at {@code at}. */
        private static int[] header(byte[] d, int at) {
            int len = d[at + 1] & 0xff;
            int off = at + 2;
            if (len > 0x80) {
                int n = len & 0x7f;
                len = 0;
                for (int i = 0; i < n; i++) len = (len << 8) | (d[off + i] & 0xff);
                off += n;
            } else if (len == 0x80) {
                throw new IllegalArgumentException("indefinite length");
            }
            if (off + len > d.length) throw new IllegalArgumentException("truncated");
            return new int[] {off, len};
        }

        static byte[] tlv(int tag, byte[] content) {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            o.write(tag);
            int n = content.length;
            if (n < 0x80) o.write(n);
            else if (n < 0x100) {
                o.write(0x81);
                o.write(n);
            } else if (n < 0x10000) {
                o.write(0x82);
                o.write(n >> 8);
                o.write(n);
            } else {
                o.write(0x83);
                o.write(n >> 16);
                o.write(n >> 8);
                o.write(n);
            }
            o.writeBytes(content);
            return o.toByteArray();
        }

        static byte[] concat(byte[]... parts) {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            for (byte[] p : parts) o.writeBytes(p);
            return o.toByteArray();
        }
    }

    /** An insecure registry's certificate is not checked, as docker does not check it. */
    private static final class TrustAll extends X509ExtendedTrustManager {
        @Override public void checkClientTrusted(X509Certificate[] c, String a, Socket s) {}
        @Override public void checkServerTrusted(X509Certificate[] c, String a, Socket s) {}
        @Override public void checkClientTrusted(X509Certificate[] c, String a, SSLEngine e) {}
        @Override public void checkServerTrusted(X509Certificate[] c, String a, SSLEngine e) {}
        @Override public void checkClientTrusted(X509Certificate[] c, String a) {}
        @Override public void checkServerTrusted(X509Certificate[] c, String a) {}
        @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
    }
}
