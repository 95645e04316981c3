//! The floor plan, checked: ARCHITECTURE.md says which stage may import which,
//! and that the core stages know no provider. These tests read `src/` as text,
//! so a new module or a stray import fails here, not in review.

use crate::support::root;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every top-level module of the crate, lowest first. A module may import
/// only modules of a lower rank; modules of one rank are peers that import
/// neither each other nor anything above. Keep in step with ARCHITECTURE.md.
const LAYERS: &[&[&str]] = &[
    &[
        "exit_status",
        "secret",
        "timestamp",
        "fs",
        "batched",
        "diagnostic",
        "server",
    ],
    &["phone"],
    &["whatsapp"],
    &["campaign"],
    &["audience"],
    &["message"],
    &["pipeline"],
    &["schedule"],
    &["journal"],
    &["plan"],
    &["transport"],
    &["sandbox"],
    &["send"],
    &["apply"],
    &["listen"],
    &["link"],
    &["view"],
    &["output"],
    &["commands"],
    &["cli"],
];

/// The stages that must not know any provider: no provider's name, host,
/// path, field or state word appears in their code or their comments.
const PROVIDER_NEUTRAL: &[&str] = &["send", "plan", "message", "journal"];

/// Words that belong to one provider's wire contract (compared in lower case).
const PROVIDER_WORDS: &[&str] = &[
    "sinch",
    "bot_id",
    "whatsapp/v1",
    "statuses",
    "queued",
    "dispatched",
    "no_capability",
    "no_opt_in",
    "conversation.api",
    "channel_identities",
    "app_id",
    "project_id",
    "graph.facebook",
    "messaging_product",
    "phone_number_id",
    "wamid",
    "x-hub-signature",
];

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The top-level module a file under `src/` belongs to (`None` for the
/// crate root and the binary).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then(|| name.to_owned())
}

/// The top-level modules `text` names as `crate::name`, outside comments.
fn imports(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.push(name);
            }
        }
    }
    found
}

#[test]
fn no_stage_imports_a_stage_above_it() {
    let src = root().join("src");
    let mut modules: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    let mut wrong = Vec::new();
    for file in rust_files(&src) {
        let Some(module) = module_of(&src, &file) else {
            continue;
        };
        modules
            .entry(module.clone())
            .or_default()
            .push(file.clone());
        let Some(own) = rank(&module) else {
            wrong.push(format!(
                "`{module}` is not in LAYERS (tests/architecture.rs)"
            ));
            continue;
        };
        let text = std::fs::read_to_string(&file).unwrap();
        for import in imports(&text) {
            if import == module {
                continue;
            }
            match rank(&import) {
                Some(theirs) if theirs < own => {}
                Some(_) => wrong.push(format!(
                    "{} imports `{import}`, which is not below `{module}`",
                    file.strip_prefix(&src).unwrap().display()
                )),
                None => wrong.push(format!(
                    "{} imports `{import}`, which is not in LAYERS",
                    file.strip_prefix(&src).unwrap().display()
                )),
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    for layer in LAYERS {
        for module in *layer {
            assert!(
                modules.contains_key(*module),
                "LAYERS names `{module}`, which is not a module of src/"
            );
        }
    }
}

#[test]
fn the_core_stages_know_no_provider() {
    let src = root().join("src");
    let mut found = Vec::new();
    for module in PROVIDER_NEUTRAL {
        for file in rust_files(&src.join(module)) {
            let text = std::fs::read_to_string(&file).unwrap().to_lowercase();
            for (number, line) in text.lines().enumerate() {
                for word in PROVIDER_WORDS {
                    if contains_word(line, word) {
                        found.push(format!(
                            "{}:{}: `{word}`",
                            file.strip_prefix(&src).unwrap().display(),
                            number + 1
                        ));
                    }
                }
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// Whether `word` stands in `line` on its own: not inside a longer name
/// (`requeued` does not contain the state `queued`).
fn contains_word(line: &str, word: &str) -> bool {
    let part_of_name = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    line.match_indices(word).any(|(at, _)| {
        !part_of_name(line[..at].chars().next_back())
            && !part_of_name(line[at + word.len()..].chars().next())
    })
}

/// Each file's module path (`plan::plan_file`; a `mod.rs` is its folder).
fn module_paths(src: &Path) -> BTreeMap<String, PathBuf> {
    rust_files(src)
        .into_iter()
        .filter_map(|file| {
            let relative = file.strip_prefix(src).unwrap().with_extension("");
            let mut parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if parts.last().is_some_and(|p| p == "mod") {
                parts.pop();
            }
            (!matches!(parts.as_slice(), [only] if only == "lib" || only == "main"))
                .then(|| (parts.join("::"), file))
        })
        .collect()
}

/// The files `text` imports through `crate::` paths, by module path: the
/// longest prefix of each path that is a file.
fn file_imports(text: &str, modules: &BTreeMap<String, PathBuf>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        for (at, _) in code.match_indices("crate::") {
            let path: String = code[at + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let mut parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
            while !parts.is_empty() {
                let candidate = parts.join("::");
                if modules.contains_key(&candidate) {
                    found.insert(candidate);
                    break;
                }
                parts.pop();
            }
        }
    }
    found
}

#[test]
fn no_two_files_import_each_other_round_a_circle() {
    let src = root().join("src");
    let modules = module_paths(&src);
    let graph: BTreeMap<&String, BTreeSet<String>> = modules
        .iter()
        .map(|(module, file)| {
            let text = std::fs::read_to_string(file).unwrap();
            let mut imports = file_imports(&text, &modules);
            imports.remove(module);
            (module, imports)
        })
        .collect();
    // A depth-first walk that reports the first circle it closes.
    fn walk<'a>(
        node: &'a String,
        graph: &'a BTreeMap<&String, BTreeSet<String>>,
        path: &mut Vec<&'a String>,
        done: &mut BTreeSet<&'a String>,
    ) -> Option<String> {
        if let Some(at) = path.iter().position(|n| *n == node) {
            let mut circle: Vec<&str> = path[at..].iter().map(|n| n.as_str()).collect();
            circle.push(node);
            return Some(circle.join(" → "));
        }
        if !done.insert(node) {
            return None;
        }
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            let next = graph.get_key_value(next).map(|(k, _)| *k)?;
            if let Some(circle) = walk(next, graph, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(circle) = walk(node, &graph, &mut Vec::new(), &mut done) {
            panic!("an import circle: {circle}");
        }
    }
}

#[test]
fn the_checks_see_imports_and_skip_comments() {
    let text = "use crate::plan::Plan;\n// crate::send is only named here\nlet x = crate::journal::open(); // crate::view\n";
    assert_eq!(imports(text), ["plan", "journal"]);
}

#[test]
fn provider_words_are_whole_words() {
    assert!(contains_word("state = 'queued'", "queued"));
    assert!(!contains_word("tally.requeued += 1", "queued"));
    assert!(contains_word(
        "POST /whatsapp/v1/bot/messages",
        "whatsapp/v1"
    ));
}
