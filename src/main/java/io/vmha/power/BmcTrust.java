package io.vmha.power;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/** The TLS context a client of one BMC uses: the JVM's trust store, a CA bundle, or no checks. */
final class BmcTrust {
  private BmcTrust() {}

  static SSLContext contextFor(RedfishEndpoint endpoint) {
    try {
      if (endpoint.insecure()) {
        return context(new TrustManager[] {new TrustAnyCertificate()});
      }
      if (endpoint.caBundlePem() != null) {
        return context(trusting(endpoint.caBundlePem(), endpoint).getTrustManagers());
      }
      return SSLContext.getDefault();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no TLS context for " + endpoint + ": " + e, e);
    }
  }

  private static SSLContext context(TrustManager[] trustManagers) throws GeneralSecurityException {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trustManagers, null);
    return context;
  }

  private static TrustManagerFactory trusting(String pem, RedfishEndpoint endpoint)
      throws GeneralSecurityException {
    Collection<? extends Certificate> certificates;
    try {
      certificates =
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.cert.CertificateException e) {
      throw new IllegalArgumentException(
          "BMC "
              + endpoint.baseUrl()
              + ": the CA bundle is not PEM certificates: "
              + e.getMessage(),
          e);
    }
    if (certificates.isEmpty()) {
      throw new IllegalArgumentException(
          "BMC " + endpoint.baseUrl() + ": the CA bundle holds no certificate");
    }
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    try {
      store.load(null, null);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot create an empty key store", e);
    }
    int n = 0;
    for (Certificate certificate : certificates) {
      store.setCertificateEntry("ca-" + n++, certificate);
    }
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(store);
    return factory;
  }
}
