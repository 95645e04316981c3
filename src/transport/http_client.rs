//! The HTTP client every provider sends with: `POST` of a JSON body to one
//! URL with a bearer token. Each worker sends over an [`HttpSession`]: an
//! HTTP/1.1 keep-alive connection of its own, opened when first needed and
//! again whenever the provider closes it, so no request waits on a shared
//! pool. The bearer token comes from a [`SecretString`]; the answer comes
//! back raw ([`Answer`]) for the provider's transport to classify, or as a
//! [`SendError`] when there is none. Redirects are not followed and nothing
//! is retried here, except a request the connection refused before writing
//! any of it: wacast alone decides what is safe to send again.

use crate::secret::SecretString;
use crate::transport::connector::{Connector, Stream};
use crate::transport::send_error::SendError;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST, HeaderMap, HeaderValue, USER_AGENT};
use hyper::{Method, Request, StatusCode, Uri};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest answer read; the provider's answers are a few hundred bytes.
const ANSWER_MAX: usize = 1 << 20;

/// Cheap to clone: the connector, the request's URI and the headers every
/// request carries (the bearer token among them, marked sensitive) are built
/// once.
#[derive(Clone)]
pub struct HttpClient {
    shared: Arc<Shared>,
}

struct Shared {
    connector: Connector,
    /// Where connections go: the scheme and authority.
    endpoint: Uri,
    /// What requests ask for: the path.
    path: Uri,
    headers: HeaderMap,
}

/// An answer as it came: its status, headers and body.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    /// `Retry-After` in seconds or as an HTTP date.
    pub fn retry_after(&self) -> Option<Duration> {
        retry_after(&self.headers)
    }
}

impl HttpClient {
    /// A client POSTing to `base_url` (e.g. `https://eu1.whatsapp.api.sinch.com`)
    /// followed by `path` (e.g. `/whatsapp/v1/{bot_id}/messages`), with
    /// `token` as the bearer of every request if given (else each request
    /// brings its own, [`HttpSession::post_with`]).
    pub fn new(
        base_url: &str,
        path: &str,
        token: Option<SecretString>,
    ) -> anyhow::Result<HttpClient> {
        let url = format!("{}{path}", base_url.trim_end_matches('/'));
        let shown = crate::secret::masked_url(&url);
        let not_a_url = |why: &str| anyhow::anyhow!("`{shown}` is not an http or https URL: {why}");
        let uri: Uri = url
            .parse()
            .map_err(|error| not_a_url(&format!("{error}")))?;
        let (Some(scheme @ ("http" | "https")), Some(host)) = (uri.scheme_str(), uri.host()) else {
            return Err(not_a_url("it needs http:// or https:// and a host"));
        };
        let authority = match uri.port_u16() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        let endpoint = Uri::builder()
            .scheme(scheme)
            .authority(authority.as_str())
            .path_and_query("/")
            .build()?;
        let path = uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned())
            .parse()?;
        let mut headers = HeaderMap::from_iter([
            (HOST, HeaderValue::try_from(authority)?),
            (CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (
                USER_AGENT,
                HeaderValue::from_static(concat!("wacast/", env!("CARGO_PKG_VERSION"))),
            ),
        ]);
        if let Some(token) = token {
            headers.insert(AUTHORIZATION, bearer(token.expose())?);
        }
        Ok(HttpClient {
            shared: Arc::new(Shared {
                connector: Connector::new(&endpoint, CONNECT_TIMEOUT)?,
                endpoint,
                path,
                headers,
            }),
        })
    }

    /// A sender with a connection of its own (opened on its first request).
    pub fn session(&self) -> HttpSession {
        HttpSession {
            client: self.clone(),
            connection: None,
        }
    }

    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, SendError> {
        let shared = &self.shared;
        let opening = async {
            let stream: Stream = shared.connector.connect(shared.endpoint.clone()).await?;
            let (sender, connection) = hyper::client::conn::http1::handshake(stream).await?;
            // Drives the connection until it closes or its sender is dropped;
            // its errors reach the request that was on it.
            tokio::spawn(connection);
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(sender)
        };
        match tokio::time::timeout(CONNECT_TIMEOUT, opening).await {
            Ok(Ok(sender)) => Ok(sender),
            Ok(Err(error)) => Err(SendError::NotSent {
                reason: innermost(&*error),
            }),
            Err(_) => Err(SendError::NotSent {
                reason: format!("no connection within {} s", CONNECT_TIMEOUT.as_secs()),
            }),
        }
    }

    fn request(&self, body: Bytes) -> Request<Full<Bytes>> {
        let mut request = Request::new(Full::new(body));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = self.shared.path.clone();
        *request.headers_mut() = self.shared.headers.clone();
        request
    }
}

/// One worker's connection to the provider.
pub struct HttpSession {
    client: HttpClient,
    connection: Option<SendRequest<Full<Bytes>>>,
}

/// Why an exchange on a connection failed.
enum Failure {
    /// The connection closed before any of the request was written.
    Unsent(hyper::Error),
    Sent(SendError),
}

impl HttpSession {
    /// POSTs the JSON `body` and returns the answer, whatever its status; an
    /// error when none came: [`SendError::NotSent`] when nothing was written,
    /// [`SendError::Uncertain`] when the request may have been read.
    pub async fn post(&mut self, body: Bytes) -> Result<Answer, SendError> {
        self.post_with(body, None).await
    }

    /// [`HttpSession::post`] with `authorization` (if given) as this
    /// request's `Authorization` header.
    pub async fn post_with(
        &mut self,
        body: Bytes,
        authorization: Option<&HeaderValue>,
    ) -> Result<Answer, SendError> {
        loop {
            let (mut connection, reused) = self.connection().await?;
            let mut request = self.client.request(body.clone());
            if let Some(value) = authorization {
                request.headers_mut().insert(AUTHORIZATION, value.clone());
            }
            let exchange = exchange(&mut connection, request);
            match tokio::time::timeout(REQUEST_TIMEOUT, exchange).await {
                Ok(Ok(answer)) => {
                    self.connection = Some(connection);
                    return Ok(answer);
                }
                // A kept-alive connection the provider closed meanwhile:
                // nothing was written, so a new connection (the session has
                // none left now) may carry it.
                Ok(Err(Failure::Unsent(_))) if reused => continue,
                Ok(Err(Failure::Unsent(error))) => {
                    return Err(SendError::NotSent {
                        reason: innermost(&error),
                    });
                }
                Ok(Err(Failure::Sent(error))) => return Err(error),
                Err(_) => {
                    return Err(SendError::Uncertain {
                        status: None,
                        reason: format!("no answer within {} s", REQUEST_TIMEOUT.as_secs()),
                    });
                }
            }
        }
    }

    /// The session's connection, ready for a request (opened if there is
    /// none or the last one closed), and whether it carried requests before.
    async fn connection(&mut self) -> Result<(SendRequest<Full<Bytes>>, bool), SendError> {
        if let Some(mut connection) = self.connection.take()
            && connection.ready().await.is_ok()
        {
            return Ok((connection, true));
        }
        Ok((self.client.connect().await?, false))
    }
}

async fn exchange(
    connection: &mut SendRequest<Full<Bytes>>,
    request: Request<Full<Bytes>>,
) -> Result<Answer, Failure> {
    let answer =
        connection
            .send_request(request)
            .await
            .map_err(|error| match error.is_canceled() {
                true => Failure::Unsent(error),
                false => Failure::Sent(SendError::Uncertain {
                    status: None,
                    reason: format!(
                        "the connection failed after the request was sent: {}",
                        innermost(&error)
                    ),
                }),
            })?;
    let (parts, body) = answer.into_parts();
    let body = Limited::new(body, ANSWER_MAX)
        .collect()
        .await
        .map_err(|error| {
            Failure::Sent(SendError::Uncertain {
                status: Some(parts.status.as_u16()),
                reason: format!("the answer was cut off: {}", innermost(&*error)),
            })
        })?
        .to_bytes();
    Ok(Answer {
        status: parts.status,
        headers: parts.headers,
        body,
    })
}

/// `Bearer <token>` as a header value marked sensitive, so it is never logged.
pub fn bearer(token: &str) -> anyhow::Result<HeaderValue> {
    let mut value = HeaderValue::try_from(format!("Bearer {token}"))
        .map_err(|_| anyhow::anyhow!("the token holds characters a header cannot carry"))?;
    value.set_sensitive(true);
    Ok(value)
}

/// `Retry-After` in seconds or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(hyper::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// The deepest cause of an error, which names what actually went wrong.
fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut headers = HeaderMap::new();
        headers.insert(hyper::header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(60));
        headers.insert(hyper::header::RETRY_AFTER, later.parse().unwrap());
        let wait = retry_after(&headers).unwrap();
        assert!(
            wait > Duration::from_secs(55) && wait <= Duration::from_secs(60),
            "{wait:?}"
        );
    }
}
