//! `wacast link`: Click to WhatsApp links, their encoding, and their QR codes,
//! which are decoded back with `rqrr` to prove they carry the link.

use std::fmt::Write as _;
use std::path::Path;
use wacast::commands::link::{LinkError, Options, QrTarget, link};
use wacast::exit_status::ExitStatus;
use wacast::link::qr_code::QrCode;

fn options(phone: &str, text: Option<&str>) -> Options {
    Options {
        phone: phone.to_owned(),
        text: text.map(str::to_owned),
        default_country: Some("GB".to_owned()),
        qr: None,
    }
}

fn url(text: &str) -> String {
    link(&options("+447911123456", Some(text))).unwrap().url
}

/// Decodes the one QR code in a greyscale picture given as "is this pixel dark?".
fn decode(side: usize, dark: impl Fn(usize, usize) -> bool) -> String {
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(
            side,
            side,
            |x, y| {
                if dark(x, y) { 0 } else { 255 }
            },
        );
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "expected one QR code");
    grids[0].decode().expect("the QR code decodes").1
}

fn decode_png(path: &Path) -> String {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    assert_eq!(info.width, info.height);
    let side = info.width as usize;
    decode(side, |x, y| pixels[y * side + x] < 128)
}

/// Rasterises wacast's SVG (one background rect, one path of `M x y h w v h H x V y`
/// rectangles) and decodes it; returns the text and the side in pixels.
fn decode_svg(svg: &str) -> (String, usize) {
    assert!(svg.starts_with("<?xml"), "{svg}");
    assert!(svg.ends_with("</svg>"), "{svg}");
    let side: usize = attribute(svg, "width").parse().unwrap();
    assert_eq!(attribute(svg, "height"), side.to_string());
    let path = svg.split(r##"<path fill="#000" d=""##).nth(1).unwrap();
    let path = path.split('"').next().unwrap();
    let mut dark = vec![false; side * side];
    for rect in path.split('M').filter(|rect| !rect.is_empty()) {
        let numbers: Vec<usize> = rect
            .split(|c: char| c.is_ascii_alphabetic() || c == ' ')
            .filter(|n| !n.is_empty())
            .map(|n| n.parse().unwrap())
            .collect();
        let [left, top, width, height, ..] = numbers[..] else {
            panic!("unexpected path segment `{rect}`");
        };
        for y in top..top + height {
            dark[y * side + left..y * side + left + width].fill(true);
        }
    }
    (decode(side, |x, y| dark[y * side + x]), side)
}

fn attribute<'a>(svg: &'a str, name: &str) -> &'a str {
    let start = svg.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
    let len = svg[start..].find('"').unwrap();
    &svg[start..start + len]
}

/// Reads the half-block drawing back: blocks are light, spaces dark.
fn decode_terminal(drawing: &str) -> String {
    let lines: Vec<Vec<char>> = drawing.lines().map(|l| l.chars().collect()).collect();
    let side = lines[0].len();
    let scale = 4;
    let dark = |x: usize, y: usize| {
        let (column, row) = (x / scale, y / scale);
        let Some(cell) = lines.get(row / 2).map(|line| line[column]) else {
            return true;
        };
        let (top_light, bottom_light) = match cell {
            '█' => (true, true),
            '▀' => (true, false),
            '▄' => (false, true),
            ' ' => (false, false),
            other => panic!("unexpected character {other:?}"),
        };
        !if row % 2 == 0 {
            top_light
        } else {
            bottom_light
        }
    };
    decode(side * scale, dark)
}

#[test]
fn encoding_cases() {
    let cases = [
        ("plain", "Hello"),
        ("spaces", "Hi there,  two spaces"),
        ("ampersand", "Fish & chips"),
        ("hash", "Order #42"),
        ("plus", "1+1"),
        ("percent", "100% off"),
        ("equals and question", "a=b? c=d"),
        ("newline", "first line\nsecond line"),
        ("crlf", "first line\r\nsecond line"),
        ("tab", "a\tb"),
        ("emoji", "Hi 👋🏽 🇬🇧"),
        ("arabic", "مرحبا بك"),
        ("hebrew with mark", "שלום\u{200F}!"),
        ("unreserved", "A-Z a-z 0-9 - . _ ~"),
        ("reserved", "/:@!$'()*,;[]"),
        ("empty", ""),
        ("blank", "  \n "),
    ];
    let mut report = String::new();
    for (name, text) in cases {
        writeln!(report, "{name}: {text:?}\n  {}", url(text)).unwrap();
    }
    insta::assert_snapshot!(report);
}

#[test]
fn numbers_are_normalised_like_audience_numbers() {
    for raw in [
        "+44 7911 123456",
        "0044 7911 123456",
        "07911 123456",
        "447911123456",
    ] {
        assert_eq!(
            link(&options(raw, None)).unwrap().url,
            "https://api.whatsapp.com/send?phone=447911123456",
            "{raw}"
        );
    }
}

#[test]
fn invalid_numbers() {
    let cases = [
        ("", Some("GB")),
        ("12345", Some("GB")),
        ("+44 7700 900123", Some("GB")),
        ("4.47911123456E+11", Some("GB")),
        ("4915123456789", Some("GB")),
        ("612345678", Some("IT")),
        ("07911 123456", None),
        ("07911 123456", Some("UK")),
        ("07911 123456", Some("Britain")),
        ("not a number", None),
        ("+44 not a number", None),
    ];
    let mut report = String::new();
    for (phone, country) in cases {
        let options = Options {
            phone: phone.to_owned(),
            text: None,
            default_country: country.map(str::to_owned),
            qr: None,
        };
        let error = link(&options).unwrap_err();
        writeln!(
            report,
            "{phone:?} {country:?} [{}]\n  {error}",
            error.exit_status().code()
        )
        .unwrap();
    }
    insta::assert_snapshot!(report);
}

#[test]
fn control_characters_in_the_text_are_rejected() {
    let error = link(&options("+447911123456", Some("bell\u{7}"))).unwrap_err();
    assert_eq!(error.exit_status(), ExitStatus::Invalid);
    insta::assert_snapshot!(error.to_string());
}

#[test]
fn png_qr_code_decodes_to_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chat.png");
    let mut options = options("07911 123456", Some("Hi 👋 I'd like to order #3 & 4"));
    options.qr = Some(QrTarget::File(path.clone()));
    let outcome = link(&options).unwrap();
    assert_eq!(
        outcome.written,
        Some((path.clone(), wacast::link::qr_code::QrFormat::Png))
    );
    assert_eq!(decode_png(&path), outcome.url);
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "no temporary file is left behind");
}

#[test]
fn svg_qr_code_decodes_to_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chat.SVG");
    let mut options = options("+447911123456", Some("مرحبا\nשלום"));
    options.qr = Some(QrTarget::File(path.clone()));
    let outcome = link(&options).unwrap();
    let (decoded, side) = decode_svg(&std::fs::read_to_string(&path).unwrap());
    assert_eq!(decoded, outcome.url);
    let modules = QrCode::new(&outcome.url).unwrap().modules();
    assert_eq!(
        side,
        (modules + 8) * 8,
        "8 pixels per module with the quiet zone"
    );
}

#[test]
fn terminal_qr_code_decodes_to_the_link() {
    let mut options = options("+447911123456", Some("Hello"));
    options.qr = Some(QrTarget::Terminal);
    let outcome = link(&options).unwrap();
    let drawing = outcome.drawing.unwrap();
    assert_eq!(decode_terminal(&drawing), outcome.url);
    assert_eq!(outcome.written, None);
}

#[test]
fn a_link_too_long_for_a_qr_code_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chat.png");
    let mut options = options("+447911123456", Some(&"long text ".repeat(300)));
    options.qr = Some(QrTarget::File(path.clone()));
    let error = link(&options).unwrap_err();
    assert_eq!(error.exit_status(), ExitStatus::Invalid);
    assert!(!path.exists());
    insta::assert_snapshot!(error.to_string());
}

#[test]
fn a_qr_file_that_cannot_be_written_says_where_and_why_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing").join("chat.png");
    let mut options = options("+447911123456", None);
    options.qr = Some(QrTarget::File(path.clone()));
    let error = link(&options).unwrap_err();
    assert_eq!(error.exit_status(), ExitStatus::Error);
    // As the command prints it: the error and its causes.
    let message = format!("{:#}", anyhow::Error::from(error));
    assert!(
        message.starts_with(&format!(
            "cannot write the QR code to `{}`: ",
            path.display()
        )),
        "{message}"
    );
    assert_eq!(message.matches("(os error 2)").count(), 1, "{message}");
}

#[test]
fn a_qr_file_needs_a_known_extension() {
    let dir = tempfile::tempdir().unwrap();
    let mut report = String::new();
    for name in ["chat.jpg", "chat"] {
        let mut options = options("+447911123456", None);
        options.qr = Some(QrTarget::File(dir.path().join(name)));
        let error = link(&options).unwrap_err();
        assert_eq!(error.exit_status(), ExitStatus::Usage);
        let message = error
            .to_string()
            .replace(&dir.path().display().to_string(), "[dir]");
        writeln!(report, "{message}").unwrap();
    }
    insta::assert_snapshot!(report);
}

#[test]
fn a_qr_file_in_a_missing_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = options("+447911123456", None);
    options.qr = Some(QrTarget::File(dir.path().join("missing/chat.svg")));
    let error = link(&options).unwrap_err();
    assert!(matches!(error, LinkError::Qr(_)));
    assert_eq!(error.exit_status(), ExitStatus::Error);
}

#[test]
fn template_function_personalises_links() {
    let mut env = minijinja::Environment::new();
    env.add_function("whatsapp_link", wacast::whatsapp::click_link::whatsapp_link);
    let template = env
        .template_from_str(r#"{{ whatsapp_link(phone, "Hi " ~ name ~ ", I'm in!") }}"#)
        .unwrap();
    let rendered = template
        .render(minijinja::context! { phone => "447911123456", name => "Zoë" })
        .unwrap();
    insta::assert_snapshot!(rendered, @"https://api.whatsapp.com/send?phone=447911123456&text=Hi%20Zo%C3%AB%2C%20I%27m%20in%21");
}

#[test]
fn odd_input_is_an_error_not_a_crash() {
    let nines = "9".repeat(400);
    let numbers = [
        "  2 22#:",
        "003-836-4618x3001",
        "+",
        "00",
        "+0",
        "++44 7911 123456",
        "+44 7911 123456 ext. 12",
        "٠٧٩١١١٢٣٤٥٦",
        "📞",
        "+99999999999999999999999999",
        nines.as_str(),
        "\0",
    ];
    for country in [None, Some("GB"), Some("CH"), Some("US")] {
        for number in numbers {
            let options = Options {
                phone: number.to_owned(),
                text: Some("\u{feff}\u{202e}x\u{fffd}".to_owned()),
                default_country: country.map(str::to_owned),
                qr: Some(QrTarget::Terminal),
            };
            let _ = link(&options);
        }
    }
}

/// What a run of the real `wacast` binary printed and how it exited.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

fn wacast(dir: &Path, args: &[&str]) -> Run {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_wacast"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn cli_prints_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let run = wacast(
        dir.path(),
        &[
            "link",
            "--phone",
            "07911 123456",
            "--default-country",
            "gb",
            "--text",
            "Hi 👋 1+1=2? #fish & chips\nمرحبا",
        ],
    );
    assert_eq!(run.code, 0);
    insta::assert_snapshot!(run.to_string());
}

#[test]
fn cli_invalid_input_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [&[&str]; 5] = [
        &["link", "--phone", "07911 123456"],
        &["link", "--phone", "12345", "--default-country", "GB"],
        &[
            "link",
            "--phone",
            "4915123456789",
            "--default-country",
            "GB",
        ],
        &[
            "link",
            "--phone",
            "+447911123456",
            "--text",
            "tab\tok, escape \u{1b} not",
        ],
        &[
            "link",
            "--phone",
            "+447911123456",
            "--text",
            &"x".repeat(3000),
            "--qr",
            "big.png",
        ],
    ];
    let mut report = String::new();
    for args in cases {
        let run = wacast(dir.path(), args);
        assert_eq!(run.code, 3, "{args:?}");
        assert_eq!(run.stdout, "");
        report.push_str(&run.stderr);
    }
    assert!(!dir.path().join("big.png").exists());
    insta::assert_snapshot!(report);
}

#[test]
fn cli_usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [&[&str]; 4] = [
        &["link"],
        &["link", "--phone", "07911 123456", "--default-country", "UK"],
        &[
            "link",
            "--phone",
            "07911 123456",
            "--default-country",
            "GBR",
        ],
        &["link", "--phone", "+447911123456", "--qr", "chat.jpg"],
    ];
    let mut report = String::new();
    for args in cases {
        let run = wacast(dir.path(), args);
        assert_eq!(run.code, 2, "{args:?}");
        assert_eq!(run.stdout, "");
        writeln!(report, "$ wacast {}\n{}", args.join(" "), run.stderr).unwrap();
    }
    insta::assert_snapshot!(report);
}

#[test]
fn cli_writes_qr_code_files_that_decode_to_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let text = "Hello from the shop window 🪟";
    let qr = |file| {
        wacast(
            dir.path(),
            &[
                "link",
                "--phone",
                "+447911123456",
                "--text",
                text,
                "--qr",
                file,
            ],
        )
    };
    let (png, svg) = (qr("chat.png"), qr("chat.svg"));
    insta::assert_snapshot!(format!("{png}{svg}"));
    let url = png.stdout.trim_end();
    assert_eq!(decode_png(&dir.path().join("chat.png")), url);
    let (decoded, _) = decode_svg(&std::fs::read_to_string(dir.path().join("chat.svg")).unwrap());
    assert_eq!(decoded, url);
}

#[test]
fn cli_draws_the_qr_code_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let run = wacast(
        dir.path(),
        &["link", "--phone", "+447911123456", "--qr", "-"],
    );
    assert_eq!(run.code, 0);
    assert_eq!(run.stderr, "");
    let (url, drawing) = run.stdout.split_once('\n').unwrap();
    assert_eq!(url, "https://api.whatsapp.com/send?phone=447911123456");
    assert!(drawing.ends_with('\n'));
    assert_eq!(decode_terminal(drawing.trim_end_matches('\n')), url);
}

#[test]
fn template_function_in_a_plan() {
    let run = wacast(&fixture("whatsapp-link"), &["plan", "campaign.yaml"]);
    assert_eq!(run.code, 0, "{run}");
    // Only the rendered links: the rest of the plan is the plan's own business.
    let links: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| line.contains("api.whatsapp.com"))
        .collect();
    insta::assert_snapshot!(links.join("\n"));
}

#[test]
fn template_function_with_a_national_number_fails_the_plan() {
    let run = wacast(
        &fixture("whatsapp-link-national"),
        &["plan", "campaign.yaml"],
    );
    assert_eq!(run.code, 3, "{run}");
    insta::assert_snapshot!(run.stderr);
}
