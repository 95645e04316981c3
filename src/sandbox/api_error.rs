//! The sandbox's error answers, in Sinch's `{"message", "details"}` shape, one
//! constructor per status it can give so every failure reads the same way.

use crate::transport::sinch_v1::wire::ErrorBody;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// An error answer: a status, the JSON body and maybe a `Retry-After`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
    pub retry_after_secs: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, message: &str, details: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: ErrorBody {
                message: message.to_owned(),
                details: Some(details.into()),
            },
            retry_after_secs: None,
        }
    }

    pub fn invalid(details: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid request", details)
    }

    pub fn unauthorized(details: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", details)
    }

    /// A body that could not be read: too large, or cut off.
    pub fn unreadable_body(status: StatusCode, details: String) -> ApiError {
        let details = details.to_lowercase();
        ApiError::new(status, "unreadable request body", details)
    }

    pub fn unsupported_media_type(found: Option<&str>) -> ApiError {
        let found = found.map_or_else(|| "none".to_owned(), |found| format!("`{found}`"));
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported media type",
            format!("`Content-Type` must be `application/json`, found {found}"),
        )
    }

    pub fn throttled(retry_after_secs: u64) -> ApiError {
        ApiError {
            retry_after_secs: Some(retry_after_secs),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too many requests",
                format!("throttled; retry after {retry_after_secs} s"),
            )
        }
    }

    pub fn unavailable() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service unavailable",
            "the service is temporarily unavailable",
        )
    }

    pub fn server_error(details: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal server error",
            details,
        )
    }

    pub fn not_found(path: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not found",
            format!("no endpoint at `{path}`"),
        )
    }

    pub fn method_not_allowed(method: &str, path: &str) -> ApiError {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed",
            format!("`{method}` is not allowed on `{path}`"),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        if let Some(seconds) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
