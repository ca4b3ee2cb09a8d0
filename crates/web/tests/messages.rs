#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! What people read when something is refused is written in Chinese, the interface's source
//! language (the English comes from the catalog): a scan of every refusal, error and reason
//! the library crates write, failing on one written in English.
//!
//! Left out: the command line's own crate, which speaks to an operator in English, the
//! synthetic city, the tests, and the few messages only an operator's command shows (the audit
//! chain's verification, a PostgreSQL schema's name or encoding), listed below.

use std::path::{Path, PathBuf};

/// Messages shown only by operators' commands, by file and by a part of their text.
const FOR_OPERATORS: [(&str, &str); 8] = [
    ("store/src/audit.rs", "the log was rewritten"),
    ("store/src/audit.rs", "has no hash"),
    ("store/src/audit.rs", "an entry was removed or moved"),
    ("store/src/audit.rs", "the entry was altered"),
    ("store/src/audit.rs", "the newest entries were removed"),
    ("store/src/lib.rs", "bad schema name"),
    ("store/src/pg_copy.rs", "needs a UTF8 database"),
    ("app/src/accounts.rs", "--actor LOGIN"),
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn refusals_are_written_in_chinese() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    // A refusal's constructor and its reason's literal (the field's code may come first), or
    // a `reason:` field's literal.
    let refusal = regex::Regex::new(
        r#"(?s)\b(?:invalid|refuse|FieldError::new|StoreError::invalid|StoreError::conflict|conflict|Forbidden|NotFound)\s*\(\s*(?:(?:"[a-z_]+"|[a-z_.]+)\s*,\s*)?(?:format!\(\s*)?"((?:[^"\\]|\\.)*)""#,
    )
    .unwrap();
    let reason =
        regex::Regex::new(r#"(?s)\breason:\s*(?:format!\(\s*)?"((?:[^"\\]|\\.)*)""#).unwrap();
    let placeholder = regex::Regex::new(r"\{[^}]*\}").unwrap();
    let word = regex::Regex::new(r"[A-Za-z]{3,}").unwrap();
    // A field's code (`area`, `income_{kind}`) where the reason is not a literal.
    let code = regex::Regex::new(r"^[a-z_{}]+$").unwrap();
    let mut files = Vec::new();
    for krate in std::fs::read_dir(&crates).unwrap() {
        let krate = krate.unwrap().path();
        let name = krate.file_name().unwrap().to_string_lossy().to_string();
        if ["cli", "synth", "test-support"].contains(&name.as_str()) {
            continue;
        }
        if krate.join("src").is_dir() {
            sources(&krate.join("src"), &mut files);
        }
    }
    assert!(files.len() > 50, "{} source files found", files.len());
    let mut english = Vec::new();
    for file in &files {
        let source = std::fs::read_to_string(file).unwrap();
        // A file's unit tests come last, after `#[cfg(test)]`.
        let program = source.split("#[cfg(test)]").next().unwrap();
        let relative = file
            .strip_prefix(&crates)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        for found in refusal
            .captures_iter(program)
            .chain(reason.captures_iter(program))
        {
            let text = &found[1];
            let words = placeholder.replace_all(text, "");
            let chinese = text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
            let operators = FOR_OPERATORS
                .iter()
                .any(|(f, part)| relative == *f && text.contains(part));
            if !chinese && word.is_match(&words) && !code.is_match(text) && !operators {
                let line = program[..found.get(0).unwrap().start()].lines().count();
                english.push(format!("{relative}:{line}: {text}"));
            }
        }
    }
    assert!(
        english.is_empty(),
        "refusals written in English (write them in Chinese; the catalog gives the English):\n{}",
        english.join("\n")
    );
}
