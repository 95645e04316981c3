//! `wacast plan`: deterministic output, saved plans, masking, media checks.

use crate::support::{Test, promo};

#[test]
fn the_same_inputs_give_the_same_bytes() {
    let test = promo();
    let first = test.run(&["plan", "promo/campaign.yaml"]);
    let second = test.run(&["plan", "promo/campaign.yaml"]);
    assert_eq!(first.code, 0, "{}", first.transcript());
    assert_eq!(first.stdout, second.stdout);
    let json_a = test.run(&["plan", "promo/campaign.yaml", "--format", "json"]);
    let json_b = test.run(&["plan", "promo/campaign.yaml", "--format", "json"]);
    assert_eq!(json_a.stdout, json_b.stdout);
    insta::assert_snapshot!(first.stdout);
}

#[test]
fn json_plan_is_one_document_with_masked_numbers() {
    let test = promo();
    let run = test.run(&["plan", "promo/campaign.yaml", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(plan["counts"]["recipients"], 4);
    assert_eq!(plan["counts"]["suppressed"], 1);
    assert!(
        !run.stdout.contains("447911123456"),
        "numbers must be masked"
    );
    insta::assert_json_snapshot!(plan);
}

#[test]
fn show_numbers_reveals_them() {
    let run = promo().run(&["plan", "promo/campaign.yaml", "--show-numbers"]);
    assert!(run.stdout.contains("+447911123456"), "{}", run.stdout);
}

/// A saved plan: its header and its recipient lines.
fn saved(test: &Test, name: &str) -> (serde_json::Value, Vec<serde_json::Value>) {
    crate::support::saved_plan(&test.path().join(name))
}

#[test]
fn a_saved_plan_pins_inputs_and_changes_when_they_do() {
    let test = promo();
    let run = test.run(&["plan", "promo/campaign.yaml", "--out", "plan.json"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let (header, recipients) = saved(&test, "plan.json");
    let roles: Vec<&str> = header["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["campaign", "audience", "suppress", "catalog"]);
    assert_eq!(header["format"], "wacast-plan");
    assert_eq!(recipients.len(), 4);
    assert_eq!(recipients[0][0], 2, "the first recipient is on line 2");
    assert!(
        !serde_json::to_string(&recipients)
            .unwrap()
            .contains("7911123456"),
        "plan files hold digests, not numbers"
    );

    let csv = test
        .read("promo/audience.csv")
        .replace("SPRING-BOB", "SPRING-BOB2");
    std::fs::write(test.path().join("promo/audience.csv"), csv).unwrap();
    test.run(&["plan", "promo/campaign.yaml", "--out", "plan2.json"]);
    let (changed, changed_recipients) = saved(&test, "plan2.json");
    assert_ne!(
        header["inputs"][1]["sha256"],
        changed["inputs"][1]["sha256"]
    );
    assert_ne!(header["messages_digest"], changed["messages_digest"]);
    assert_eq!(
        recipients[0], changed_recipients[0],
        "ann's message did not change"
    );
    assert_ne!(recipients[1], changed_recipients[1], "bob's did");
}

#[test]
fn an_invalid_plan_writes_no_plan_file() {
    let test = promo().write(
        "promo/audience.csv",
        "phone,first_name,segment,coupon\n12345,ann,vip,X\n",
    );
    let run = test.run(&["plan", "promo/campaign.yaml", "--out", "plan.json"]);
    assert_eq!(run.code, 3);
    assert!(!test.path().join("plan.json").exists());
    let left: Vec<_> = std::fs::read_dir(test.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 2, "no temporary file is left: {left:?}");
}

#[test]
fn check_media_asks_each_url_for_type_and_size() {
    let server = MediaServer::start();
    let campaign = format!(
        "version: 1\nname: media\nsender: {{bot_id: b, region: eu}}\ntemplate:\n  name: t\n  language: en\n  media: {{type: image, url: \"{}/{{{{ file }}}}\"}}\naudience: {{file: a.csv, default_country: GB}}\n",
        server.base
    );
    let audience = "phone,file\n07911123451,ok.jpg\n07911123452,big.jpg\n07911123453,anim.gif.jpg\n07911123454,missing.jpg\n07911123455,ok.jpg\n";
    let test = Test::new()
        .write("campaign.yaml", campaign)
        .write("a.csv", audience);
    let run = test.run(&["plan", "campaign.yaml", "--check-media"]);
    assert_eq!(run.code, 3, "{}", run.transcript());
    assert_eq!(server.hits(), 4, "each distinct URL is asked once");
    let stderr = run.stderr.replace(&server.base, "http://[server]");
    insta::assert_snapshot!(stderr);
}

/// A local server answering HEAD for media URLs, counting its hits.
struct MediaServer {
    base: String,
    hits: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    _runtime: tokio::runtime::Runtime,
}

impl MediaServer {
    fn start() -> MediaServer {
        use axum::http::{HeaderMap, StatusCode, header};
        use std::sync::atomic::{AtomicUsize, Ordering};
        let hits = std::sync::Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new().route(
            "/{file}",
            axum::routing::head(
                move |axum::extract::Path(file): axum::extract::Path<String>| {
                    counter.fetch_add(1, Ordering::SeqCst);
                    async move {
                        let mut headers = HeaderMap::new();
                        let (kind, size) = match file.as_str() {
                            "ok.jpg" => ("image/jpeg", 120_000),
                            "big.jpg" => ("image/jpeg", 6 * 1024 * 1024),
                            "anim.gif.jpg" => ("image/gif", 1000),
                            _ => return (StatusCode::NOT_FOUND, headers),
                        };
                        headers.insert(header::CONTENT_TYPE, kind.parse().unwrap());
                        headers.insert(header::CONTENT_LENGTH, size.to_string().parse().unwrap());
                        (StatusCode::OK, headers)
                    }
                },
            ),
        );
        runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });
        MediaServer {
            base,
            hits,
            _runtime: runtime,
        }
    }

    fn hits(&self) -> usize {
        self.hits.load(std::sync::atomic::Ordering::SeqCst)
    }
}
