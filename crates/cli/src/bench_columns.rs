//! A population as a folder of column files: what `bench policy --dump` writes and both
//! engines of the OpenFisca comparison read (`bench policy --from`, `bench/openfisca/compare.py`
//! with `numpy.fromfile`), so that both start from the same bytes.
//!
//! ```text
//! DIR/member_start.i64                  households + 1 row offsets: household h is rows
//!                                       member_start[h]..member_start[h + 1]
//! DIR/inputs/<input>.<i8|i16|i32|i64>   one value per person, at the width the column is
//!                                       kept in memory (booleans 0/1, money in fen, codes)
//! ```
//!
//! Every number is little-endian. Only the columns a run needs are read.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use minsheng_policy::batch::{Packed, Population};
use minsheng_policy::Policy;

const WIDTHS: [&str; 4] = ["i8", "i16", "i32", "i64"];

fn extension(column: &Packed) -> &'static str {
    match column {
        Packed::I8(_) => "i8",
        Packed::I16(_) => "i16",
        Packed::I32(_) => "i32",
        Packed::I64(_) => "i64",
    }
}

fn bytes(column: &Packed) -> Vec<u8> {
    match column {
        Packed::I8(c) => c.iter().flat_map(|v| v.to_le_bytes()).collect(),
        Packed::I16(c) => c.iter().flat_map(|v| v.to_le_bytes()).collect(),
        Packed::I32(c) => c.iter().flat_map(|v| v.to_le_bytes()).collect(),
        Packed::I64(c) => c.iter().flat_map(|v| v.to_le_bytes()).collect(),
    }
}

/// Writes every input column of `population` and its household offsets into `dir`.
pub fn write(policy: &Policy, population: &Population, dir: &Path) -> Result<()> {
    let inputs = dir.join("inputs");
    std::fs::create_dir_all(&inputs).with_context(|| format!("creating {}", inputs.display()))?;
    for (input, column) in policy.inputs.iter().zip(&population.inputs) {
        // A column written earlier at another width would be ambiguous.
        for width in WIDTHS {
            let stale = inputs.join(format!("{}.{width}", input.name));
            if stale.exists() {
                std::fs::remove_file(&stale)
                    .with_context(|| format!("removing {}", stale.display()))?;
            }
        }
        let path = inputs.join(format!("{}.{}", input.name, extension(column)));
        std::fs::write(&path, bytes(column))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let starts: Vec<u8> = population
        .member_start
        .iter()
        .flat_map(|s| (*s as i64).to_le_bytes())
        .collect();
    let path = dir.join("member_start.i64");
    std::fs::write(&path, starts).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Values of `N` bytes each from `raw`, or an error naming `path` if it does not divide.
fn values<const N: usize, T>(
    path: &Path,
    raw: &[u8],
    from: impl Fn([u8; N]) -> T,
) -> Result<Vec<T>> {
    if !raw.len().is_multiple_of(N) {
        bail!(
            "{}: {} bytes is not a whole number of {N}-byte values",
            path.display(),
            raw.len()
        );
    }
    Ok(raw
        .chunks_exact(N)
        .map(|b| {
            let mut a = [0u8; N];
            a.copy_from_slice(b);
            from(a)
        })
        .collect())
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

/// The one file of `input` in `dir/inputs`, whatever its width.
fn input_file(dir: &Path, input: &str) -> Result<PathBuf> {
    let found: Vec<PathBuf> = WIDTHS
        .iter()
        .map(|w| dir.join("inputs").join(format!("{input}.{w}")))
        .filter(|p| p.exists())
        .collect();
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => bail!(
            "{}: no column file for input {input} ({input}.i8, .i16, .i32 or .i64)",
            dir.join("inputs").display()
        ),
        _ => bail!(
            "{}: more than one column file for input {input}",
            dir.join("inputs").display()
        ),
    }
}

/// The column of input `name` in `dir`, which must hold `persons` values.
fn read_column(dir: &Path, name: &str, persons: usize) -> Result<Packed> {
    let path = input_file(dir, name)?;
    let raw = read_file(&path)?;
    let column = match path.extension().and_then(|e| e.to_str()) {
        Some("i8") => Packed::I8(values(&path, &raw, i8::from_le_bytes)?),
        Some("i16") => Packed::I16(values(&path, &raw, i16::from_le_bytes)?),
        Some("i32") => Packed::I32(values(&path, &raw, i32::from_le_bytes)?),
        _ => Packed::I64(values(&path, &raw, i64::from_le_bytes)?),
    };
    if column.len() != persons {
        bail!(
            "{}: {} values, but member_start.i64 counts {persons} persons",
            path.display(),
            column.len()
        );
    }
    Ok(column)
}

/// Reads the population in `dir`, with the columns of the inputs `needed` marks (by input
/// position, as [`Policy::inputs_read_by`] gives) and the others left empty: a batch for
/// variables that read only the marked inputs never touches them.
pub fn read(policy: &Policy, dir: &Path, needed: &[bool]) -> Result<Population> {
    let path = dir.join("member_start.i64");
    let starts = values(&path, &read_file(&path)?, i64::from_le_bytes)?;
    if starts.first() != Some(&0) {
        bail!("{}: the first offset must be 0", path.display());
    }
    let mut member_start = Vec::with_capacity(starts.len());
    for (h, (start, end)) in starts.iter().zip(starts.iter().skip(1)).enumerate() {
        if end < start {
            bail!(
                "{}: household {h} ends (row {end}) before it starts (row {start})",
                path.display(),
            );
        }
    }
    for s in starts {
        member_start.push(usize::try_from(s).context("offset out of range")?);
    }
    let persons = member_start.last().copied().unwrap_or(0);
    // Columns are read on every core, each thread every n-th needed one: converting bytes
    // to values is most of the work, and the files are independent.
    let wanted: Vec<&str> = policy
        .inputs
        .iter()
        .zip(needed)
        .filter(|(_, n)| **n)
        .map(|(i, _)| i.name)
        .collect();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let shares: Vec<Vec<(usize, Result<Packed>)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let wanted = &wanted;
                scope.spawn(move || {
                    wanted
                        .iter()
                        .enumerate()
                        .skip(t)
                        .step_by(threads)
                        .map(|(k, name)| (k, read_column(dir, name, persons)))
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut read: Vec<(usize, Result<Packed>)> = shares.into_iter().flatten().collect();
    if read.len() != wanted.len() {
        bail!("a thread reading the columns failed");
    }
    read.sort_by_key(|(k, _)| *k);
    let mut read = read.into_iter();
    let mut inputs = Vec::with_capacity(policy.inputs.len());
    for k in 0..policy.inputs.len() {
        let column = match needed.get(k) {
            Some(true) => read.next().map(|(_, c)| c).transpose()?,
            _ => None,
        };
        inputs.push(column.unwrap_or_default());
    }
    Ok(Population {
        member_start,
        inputs,
        group_inputs: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use minsheng_policy::batch::encode;
    use minsheng_policy::inputs::default_value;

    fn policy() -> Policy {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies/qingdao");
        Policy::load(&root).expect("the catalog loads")
    }

    /// Three households of 2, 1 and 3 members; the columns' values grow by a different step
    /// each, so that every width is written (i8, i16, i32, i64 in turn).
    fn population(policy: &Policy) -> Population {
        let inputs = (0..policy.inputs.len())
            .map(|k| {
                let base = encode(default_value(&policy.inputs[k]));
                let step = [1i64, 1_000, 100_000, 10_000_000_000][k % 4];
                Packed::from_slice(&(0..6).map(|r| base + r * step).collect::<Vec<_>>())
            })
            .collect();
        Population {
            member_start: vec![0, 2, 3, 6],
            inputs,
            group_inputs: Vec::new(),
        }
    }

    #[test]
    fn a_population_reads_back_as_written_with_only_the_needed_columns() {
        let policy = policy();
        let written = population(&policy);
        let dir = tempfile::tempdir().expect("a temporary folder");
        write(&policy, &written, dir.path()).expect("written");
        let widths: Vec<&str> = written.inputs.iter().map(extension).collect();
        assert!(["i8", "i16", "i32", "i64"]
            .iter()
            .all(|w| widths.contains(w)));

        let all = vec![true; policy.inputs.len()];
        let read_back = read(&policy, dir.path(), &all).expect("read");
        assert_eq!(read_back.member_start, vec![0, 2, 3, 6]);
        for (a, b) in written.inputs.iter().zip(&read_back.inputs) {
            assert_eq!(a.read(0..6), b.read(0..6));
            assert_eq!(extension(a), extension(b));
        }

        let mut some = vec![false; policy.inputs.len()];
        some[1] = true;
        some[3] = true;
        let partial = read(&policy, dir.path(), &some).expect("read");
        assert_eq!(partial.inputs[1].read(0..6), written.inputs[1].read(0..6));
        assert_eq!(partial.inputs[3].read(0..6), written.inputs[3].read(0..6));
        assert!(partial.inputs[0].is_empty() && partial.inputs[2].is_empty());
    }

    #[test]
    fn a_short_or_missing_column_is_an_error_naming_its_file() {
        let policy = policy();
        let dir = tempfile::tempdir().expect("a temporary folder");
        write(&policy, &population(&policy), dir.path()).expect("written");
        let all = vec![true; policy.inputs.len()];
        let name = policy.inputs[2].name;
        let path = input_file(dir.path(), name).expect("its file");
        let raw = std::fs::read(&path).expect("read");
        let width = raw.len() / 6;
        std::fs::write(&path, &raw[..raw.len() - width]).expect("shortened");
        let error = read(&policy, dir.path(), &all)
            .expect_err("short column")
            .to_string();
        assert!(
            error.contains(name) && error.contains("5 values"),
            "{error}"
        );

        assert_eq!(width, 4, "input 2 is written as i32");
        std::fs::write(&path, &raw[..raw.len() - 1]).expect("cut mid-value");
        let error = read(&policy, dir.path(), &all)
            .expect_err("ragged")
            .to_string();
        assert!(error.contains("whole number"), "{error}");

        std::fs::remove_file(&path).expect("removed");
        let error = read(&policy, dir.path(), &all)
            .expect_err("missing")
            .to_string();
        assert!(
            error.contains(&format!("no column file for input {name}")),
            "{error}"
        );
        let mut without = all.clone();
        without[2] = false;
        assert!(read(&policy, dir.path(), &without).is_ok());
    }
}
