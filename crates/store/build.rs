//! Lists each backend's migrations (`migrations/sqlite`, `migrations/postgres`) into
//! `$OUT_DIR/migrations.rs` for `src/migrations.rs` to embed: version, description and text,
//! read from the file names as sqlx reads them (`0004_audit_chain.sql` is version 4,
//! "audit chain"). A new migration file must rebuild the crate, which Cargo does not know
//! without being told.
use std::error::Error;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo:rerun-if-changed=migrations");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let mut out = String::new();
    for backend in ["sqlite", "postgres"] {
        let dir = manifest.join("migrations").join(backend);
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .ok_or_else(|| format!("{}: not a UTF-8 file name", path.display()))?;
            let Some((version, rest)) = name.split_once('_') else {
                continue;
            };
            let Some(description) = rest.strip_suffix(".sql") else {
                continue;
            };
            if description.ends_with(".up") || description.ends_with(".down") {
                return Err(format!("{name}: migrations run forward only").into());
            }
            let version: i64 = version
                .parse()
                .map_err(|_| format!("{name}: a migration's name starts with its number"))?;
            files.push((version, description.replace('_', " "), path));
        }
        files.sort();
        writeln!(out, "const {}: &[Embedded] = &[", backend.to_uppercase())?;
        for (version, description, path) in &files {
            writeln!(
                out,
                "    ({version}, {description:?}, include_str!({:?})),",
                display(path)?
            )?;
        }
        writeln!(out, "];")?;
    }
    let target = PathBuf::from(std::env::var("OUT_DIR")?).join("migrations.rs");
    std::fs::write(target, out)?;
    Ok(())
}

fn display(path: &Path) -> Result<&str, String> {
    path.to_str()
        .ok_or_else(|| format!("{}: not a UTF-8 path", path.display()))
}
