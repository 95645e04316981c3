//! `plan --check-media`: ask every distinct media URL (HEAD, bounded
//! concurrency, a timeout) for its Content-Type and Content-Length and check
//! them against WhatsApp's media table.

use crate::diagnostic::Diagnostic;
use crate::diagnostic::diagnostics::Diagnostics;
use crate::plan::Plan;
use crate::whatsapp::catalog::{self, MediaKind};
use std::time::Duration;

/// Requests in flight at once.
const CONCURRENCY: usize = 8;
const TIMEOUT: Duration = Duration::from_secs(10);

/// Checks every distinct media URL of `plan`; problems name the URL.
pub fn check_plan(plan: &Plan) -> anyhow::Result<Diagnostics> {
    let Some(media) = &plan.campaign.template.media else {
        return Ok(Diagnostics::new());
    };
    let urls: Vec<String> = plan.media_urls.iter().cloned().collect();
    let kind = media.kind;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let found = runtime.block_on(check_all(urls, kind))?;
    let mut problems = Diagnostics::new();
    for diagnostic in found {
        problems.push(
            diagnostic
                .at(&plan.campaign.source.path, media.url.line, media.url.column)
                .field("template.media.url"),
        );
    }
    if plan.counts.distinct_media_urls > plan.media_urls.len() as u64 {
        problems.push(Diagnostic::warning(
            "media.check",
            format!(
                "checked the first {} of {} distinct media URLs",
                plan.media_urls.len(),
                plan.counts.distinct_media_urls
            ),
        ));
    }
    Ok(problems)
}

async fn check_all(urls: Vec<String>, kind: MediaKind) -> anyhow::Result<Vec<Diagnostic>> {
    let client = reqwest::Client::builder().timeout(TIMEOUT).build()?;
    let semaphore = std::sync::Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, url) in urls.into_iter().enumerate() {
        let client = client.clone();
        let permit = semaphore.clone().acquire_owned().await?;
        tasks.spawn(async move {
            let found = check_one(&client, &url, kind).await;
            drop(permit);
            (index, found)
        });
    }
    let mut found: Vec<(usize, Diagnostic)> = Vec::new();
    while let Some(result) = tasks.join_next().await {
        let (index, problem) = result?;
        found.extend(problem.map(|p| (index, p)));
    }
    found.sort_by_key(|(index, _)| *index);
    Ok(found.into_iter().map(|(_, d)| d).collect())
}

async fn check_one(client: &reqwest::Client, url: &str, kind: MediaKind) -> Option<Diagnostic> {
    let response = match client.head(url).send().await {
        Ok(response) => response,
        Err(error) => {
            let why = if error.is_timeout() {
                "timed out".to_owned()
            } else {
                without_url(&error)
            };
            return Some(Diagnostic::error(
                "media.check",
                format!("`{url}` could not be fetched: {why}"),
            ));
        }
    };
    let status = response.status();
    if !status.is_success() {
        return Some(Diagnostic::error(
            "media.check",
            format!("`{url}` answered {status}"),
        ));
    }
    let headers = response.headers();
    let content_type = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(catalog::essence);
    match content_type {
        Some(content_type) if !kind.accepts(&content_type) => {
            return Some(Diagnostic::error(
                "media.check",
                format!(
                    "`{url}` is `{content_type}`; {} header must be one of {}",
                    kind.with_article(),
                    kind.accepted_types().join(", ")
                ),
            ));
        }
        Some(_) => {}
        None => {
            return Some(Diagnostic::warning(
                "media.check",
                format!("`{url}` sends no Content-Type"),
            ));
        }
    }
    let length = headers
        .get(reqwest::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match length {
        Some(bytes) if bytes > kind.max_bytes() => Some(Diagnostic::error(
            "media.check",
            format!(
                "`{url}` is {bytes} bytes; {} may be at most {} bytes",
                kind.with_article(),
                kind.max_bytes()
            ),
        )),
        Some(_) => None,
        None => Some(Diagnostic::warning(
            "media.check",
            format!("`{url}` sends no Content-Length"),
        )),
    }
}

/// reqwest's error text without the URL it repeats.
fn without_url(error: &reqwest::Error) -> String {
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(error);
    let mut last = error.to_string();
    while let Some(inner) = source {
        last = inner.to_string();
        source = inner.source();
    }
    last
}
