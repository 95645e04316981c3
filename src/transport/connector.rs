//! How a sender reaches the provider: TCP with a connect timeout, through an
//! HTTP proxy when the environment names one for the endpoint (`HTTPS_PROXY`,
//! `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`, read as curl reads them; a CONNECT
//! tunnel), then TLS for `https` with the platform's certificate verifier.

use anyhow::Context as _;
use hyper::Uri;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder, MaybeHttpsStream};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioIo;
use std::time::Duration;
use tower::ServiceExt as _;

/// A connection to the provider, encrypted or not.
pub type Stream = MaybeHttpsStream<TokioIo<tokio::net::TcpStream>>;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Opens connections to one endpoint.
#[derive(Clone, Debug)]
pub enum Connector {
    Direct(HttpsConnector<HttpConnector>),
    Proxied(HttpsConnector<Tunnel<HttpConnector>>),
}

impl Connector {
    /// A connector for `endpoint` (its scheme and authority), routed through
    /// the proxy the environment names for it, if any.
    pub fn new(endpoint: &Uri, connect_timeout: Duration) -> anyhow::Result<Connector> {
        Connector::routed(endpoint, connect_timeout, &Matcher::from_env())
    }

    fn routed(
        endpoint: &Uri,
        connect_timeout: Duration,
        proxies: &Matcher,
    ) -> anyhow::Result<Connector> {
        let mut tcp = HttpConnector::new();
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        tcp.set_connect_timeout(Some(connect_timeout));
        let tls = HttpsConnectorBuilder::new()
            .with_provider_and_platform_verifier(rustls::crypto::aws_lc_rs::default_provider())
            .context("cannot set up TLS")?
            .https_or_http()
            .enable_http1();
        let Some(proxy) = proxies.intercept(endpoint) else {
            return Ok(Connector::Direct(tls.wrap_connector(tcp)));
        };
        let address = proxy.uri();
        if address.scheme_str() != Some("http") {
            anyhow::bail!(
                "the proxy set for `{}` ({}) is not an http:// proxy, the only kind wacast can use",
                endpoint.host().unwrap_or_default(),
                address.host().unwrap_or_default()
            );
        }
        let mut tunnel = Tunnel::new(address.clone(), tcp);
        if let Some(auth) = proxy.basic_auth() {
            tunnel = tunnel.with_auth(auth.clone());
        }
        Ok(Connector::Proxied(tls.wrap_connector(tunnel)))
    }

    /// Opens a connection to `endpoint`.
    pub async fn connect(&self, endpoint: Uri) -> Result<Stream, BoxError> {
        match self {
            Connector::Direct(connector) => connector.clone().oneshot(endpoint).await,
            Connector::Proxied(connector) => connector.clone().oneshot(endpoint).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(all: &str, no: &str) -> Matcher {
        Matcher::builder()
            .all(all.to_owned())
            .no(no.to_owned())
            .build()
    }

    #[test]
    fn the_environment_decides_the_route() {
        let endpoint: Uri = "https://eu1.whatsapp.api.sinch.test".parse().unwrap();
        let timeout = Duration::from_secs(1);
        let direct = Connector::routed(&endpoint, timeout, &proxies("", "")).unwrap();
        assert!(matches!(direct, Connector::Direct(_)));
        let proxied =
            Connector::routed(&endpoint, timeout, &proxies("http://proxy.test:3128", "")).unwrap();
        assert!(matches!(proxied, Connector::Proxied(_)));
        let bypassed = Connector::routed(
            &endpoint,
            timeout,
            &proxies("http://proxy.test:3128", ".sinch.test"),
        )
        .unwrap();
        assert!(matches!(bypassed, Connector::Direct(_)));
        let socks = Connector::routed(
            &endpoint,
            timeout,
            &proxies("socks5://user:secret@proxy.test:1080", ""),
        )
        .unwrap_err();
        assert_eq!(
            socks.to_string(),
            "the proxy set for `eu1.whatsapp.api.sinch.test` (proxy.test) is not an http:// proxy, the only kind wacast can use"
        );
    }
}
