package io.vmha.power;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts every certificate for every name: what {@link RedfishEndpoint#insecure()} asks for.
 *
 * <p>java.net.http has no per-client switch for host name checks: it sets the endpoint
 * identification algorithm to HTTPS on every connection whatever the client's SSLParameters say,
 * and only the JVM-wide property {@code jdk.internal.httpclient.disableHostnameVerification} turns
 * that off, for every client in the process. JSSE leaves the check itself to the trust manager,
 * though, and it wraps a plain X509TrustManager in one that checks the name anyway. An
 * X509ExtendedTrustManager is used as it is, so this one, by checking nothing, turns off both the
 * certificate and the name check for the one client built with it.
 */
final class TrustAnyCertificate extends X509ExtendedTrustManager {
  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) {}

  // a BMC client never serves TLS: nothing should ever ask it to trust a client
  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw new CertificateException("a BMC client accepts no client certificates");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
