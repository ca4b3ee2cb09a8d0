//! Reading the whole registry from PostgreSQL by binary `COPY … TO STDOUT`.
//!
//! The row query (each version joined to its person and household, in household order) cost
//! the server one `person` look-up a row and the client one data-row message a row decoded by
//! column name: ~6–10 µs a row, a 10M sweep at the edge of its minute. Here each of the three
//! tables is copied once, in binary, inside one read-only repeatable-read transaction (so all
//! three see one snapshot), and joined in the client: households and persons are held in
//! memory in id order, the versions streamed past them in household order.

use std::ops::Range;

use chrono::NaiveDate;
use futures::TryStreamExt;
use rustc_hash::FxHashMap;
use sqlx::{PgConnection, PgPool};

use crate::bulk::PERSON_VERSION;
use crate::registry::{corrupt, Columns};
use crate::scan::{decode, ScannedPerson};
use crate::{Result, StoreError};

/// The version columns a scan does not decode: its record-keeping. (The person's and the
/// household's columns come from their own copies.)
const NOT_SCANNED: [&str; 5] = [
    "id",
    "valid_to",
    "recorded_at",
    "superseded_at",
    "recorded_by",
];

/// Every current version valid on `on`, household by household (ascending store id), persons
/// in id order within one, handed to `sink` in that order.
pub(crate) async fn scan_registry<E>(
    pool: &PgPool,
    on: NaiveDate,
    mut sink: impl FnMut(ScannedPerson) -> Result<(), E>,
) -> Result<u64, E>
where
    E: From<StoreError>,
{
    let mut tx = pool
        .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await
        .map_err(StoreError::from)?;
    // Binary COPY sends text in the server's encoding, unconverted.
    let encoding: String = sqlx::query_scalar("SHOW server_encoding")
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::from)?;
    if encoding != "UTF8" {
        return Err(StoreError::Invalid {
            field: "database".into(),
            reason: format!("its encoding is {encoding}; Minsheng needs a UTF8 database"),
        }
        .into());
    }
    let households = copy_households(&mut tx).await?;
    let (people, births) = copy_people(&mut tx).await?;
    let columns: Vec<&str> = PERSON_VERSION
        .columns
        .iter()
        .copied()
        .filter(|c| !NOT_SCANNED.contains(c))
        .collect();
    let names: FxHashMap<&str, usize> = columns.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    // `on` is a date, so its literal cannot carry anything but a date (COPY takes no parameters).
    let statement = format!(
        "COPY (SELECT {} FROM person_version WHERE superseded_at IS NULL \
         AND valid_from <= '{on}' AND (valid_to IS NULL OR valid_to > '{on}') \
         ORDER BY household_id, person_id) TO STDOUT (FORMAT binary)",
        columns.join(", ")
    );
    let position = |c: &str| {
        names
            .get(c)
            .copied()
            .ok_or_else(|| corrupt(c, "not copied"))
    };
    let (person_at, household_at) = (position("person_id")?, position("household_id")?);
    let n = copy_out(&mut tx, &statement, |version| {
        let person_id = binary::int8("person_id", version.required("person_id", person_at)?)?;
        let household_id = binary::int8(
            "household_id",
            version.required("household_id", household_at)?,
        )?;
        let household = households.row("household", household_id)?;
        let person = people.row("person", person_id)?;
        // `births` was copied alongside `people`, a row each.
        let birth_date = births
            .get(person)
            .copied()
            .ok_or_else(|| corrupt("person", format!("{person_id}: no birth date")))?;
        sink(decode(&Joined {
            version,
            names: &names,
            household_code: households.text(household, 0)?,
            person: PersonRef {
                id_number: people.text(person, 0)?,
                name: people.text(person, 1)?,
                sex: people.text(person, 2)?,
                birth_date,
            },
        })?)
    })
    .await?;
    tx.rollback().await.map_err(StoreError::from)?;
    Ok(n)
}

/// Runs a `COPY … TO STDOUT (FORMAT binary)` and hands each tuple to `each`.
async fn copy_out<E>(
    conn: &mut PgConnection,
    statement: &str,
    mut each: impl FnMut(&Tuple<'_>) -> Result<(), E>,
) -> Result<u64, E>
where
    E: From<StoreError>,
{
    let mut stream = conn
        .copy_out_raw(statement)
        .await
        .map_err(StoreError::from)?;
    let started = std::time::Instant::now();
    let mut tuples = Tuples::default();
    let mut n = 0;
    while let Some(chunk) = stream.try_next().await.map_err(StoreError::from)? {
        tuples.extend(&chunk);
        while let Some(tuple) = tuples.next()? {
            each(&tuple)?;
            n += 1;
        }
    }
    tuples.finish()?;
    tracing::info!(rows = n, seconds = started.elapsed().as_secs_f64(), statement = %statement.get(..60).unwrap_or(statement), "copied out");
    Ok(n)
}

/// Binary COPY data, as it arrives in chunks, cut into tuples
/// (<https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4>).
#[derive(Default)]
struct Tuples {
    buf: Vec<u8>,
    /// Where the next tuple begins in `buf`; what is before it has been handed out.
    start: usize,
    header_read: bool,
    trailer_read: bool,
    fields: Vec<Option<Range<usize>>>,
}

const SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";

/// One tuple: its fields as ranges of the data, `None` where NULL.
struct Tuple<'a> {
    data: &'a [u8],
    fields: &'a [Option<Range<usize>>],
}

impl Tuples {
    fn extend(&mut self, chunk: &[u8]) {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(chunk);
    }

    /// The next whole tuple, or `None` until more data arrives (or after the trailer).
    fn next(&mut self) -> Result<Option<Tuple<'_>>> {
        if self.trailer_read {
            return Ok(None);
        }
        if !self.header_read {
            let Some(fixed) = self.buf.get(self.start..self.start + SIGNATURE.len() + 8) else {
                return Ok(None);
            };
            let Some(rest) = fixed.strip_prefix(SIGNATURE) else {
                return Err(corrupt("COPY", "the data is not in binary COPY format"));
            };
            let flags = be_i32(rest)?;
            if flags & (1 << 16) != 0 {
                return Err(corrupt("COPY", "the data carries row OIDs"));
            }
            // Short input reads as empty, which `be_i32` reports as cut short.
            let extension = usize::try_from(be_i32(rest.get(4..).unwrap_or_default())?)
                .map_err(|e| corrupt("COPY header extension", e))?;
            let end = self.start + SIGNATURE.len() + 8 + extension;
            if self.buf.len() < end {
                return Ok(None);
            }
            self.start = end;
            self.header_read = true;
        }
        let mut at = self.start;
        let Some(&[high, low]) = self.buf.get(at..at + 2) else {
            return Ok(None);
        };
        let count = i16::from_be_bytes([high, low]);
        at += 2;
        if count == -1 {
            self.trailer_read = true;
            self.start = at;
            return Ok(None);
        }
        let count = u16::try_from(count).map_err(|e| corrupt("COPY field count", e))?;
        self.fields.clear();
        for _ in 0..count {
            let Some(length) = self.buf.get(at..at + 4) else {
                return Ok(None);
            };
            let length = be_i32(length)?;
            at += 4;
            if length == -1 {
                self.fields.push(None);
                continue;
            }
            let length = usize::try_from(length).map_err(|e| corrupt("COPY field length", e))?;
            if self.buf.len() < at + length {
                return Ok(None);
            }
            self.fields.push(Some(at..at + length));
            at += length;
        }
        self.start = at;
        Ok(Some(Tuple {
            data: &self.buf,
            fields: &self.fields,
        }))
    }

    /// After the last chunk: the data must have ended with the trailer, and nothing after it.
    fn finish(&self) -> Result<()> {
        if !self.trailer_read || self.start != self.buf.len() {
            return Err(corrupt("COPY", "the data ended inside a tuple"));
        }
        Ok(())
    }
}

fn be_i32(bytes: &[u8]) -> Result<i32> {
    bytes
        .get(..4)
        .and_then(|b| b.try_into().ok())
        .map(i32::from_be_bytes)
        .ok_or_else(|| corrupt("COPY", "a length is cut short"))
}

impl Tuple<'_> {
    fn field(&self, col: &str, i: usize) -> Result<Option<&[u8]>> {
        match self.fields.get(i) {
            Some(range) => range
                .clone()
                .map(|r| self.data.get(r).ok_or_else(|| corrupt(col, "is cut short")))
                .transpose(),
            None => Err(corrupt(col, "not copied")),
        }
    }

    fn required(&self, col: &str, i: usize) -> Result<&[u8]> {
        self.field(col, i)?.ok_or_else(|| corrupt(col, "is NULL"))
    }
}

/// The binary forms of the column types the registry uses.
mod binary {
    use super::*;

    fn exactly<const N: usize>(col: &str, bytes: &[u8]) -> Result<[u8; N]> {
        bytes.try_into().map_err(|_| {
            corrupt(
                col,
                format!("{} bytes where {N} were expected", bytes.len()),
            )
        })
    }

    pub fn int8(col: &str, bytes: &[u8]) -> Result<i64> {
        Ok(i64::from_be_bytes(exactly(col, bytes)?))
    }

    pub fn int2(col: &str, bytes: &[u8]) -> Result<i16> {
        Ok(i16::from_be_bytes(exactly(col, bytes)?))
    }

    pub fn boolean(col: &str, bytes: &[u8]) -> Result<bool> {
        Ok(exactly::<1>(col, bytes)?[0] != 0)
    }

    /// Days since 2000-01-01.
    pub fn date(col: &str, bytes: &[u8]) -> Result<NaiveDate> {
        let days = i32::from_be_bytes(exactly(col, bytes)?);
        // 2000-01-01 is day 730,120 counted from 0001-01-01 as day 1.
        days.checked_add(730_120)
            .and_then(NaiveDate::from_num_days_from_ce_opt)
            .ok_or_else(|| corrupt(col, format!("{days} days from 2000-01-01 is not a date")))
    }

    pub fn text<'a>(col: &str, bytes: &'a [u8]) -> Result<&'a str> {
        std::str::from_utf8(bytes).map_err(|e| corrupt(col, e))
    }
}

/// Rows copied in id order, their texts (`width` a row) kept end to end in one string.
struct ById {
    width: usize,
    ids: Vec<i64>,
    ends: Vec<usize>,
    text: String,
}

impl ById {
    fn new(width: usize) -> ById {
        ById {
            width,
            ids: Vec::new(),
            ends: Vec::new(),
            text: String::new(),
        }
    }

    fn push(&mut self, id: i64, texts: &[&str]) {
        self.ids.push(id);
        for t in texts {
            self.text.push_str(t);
            self.ends.push(self.text.len());
        }
    }

    /// The row of `id`. Ids are handed out in sequence, so a row is nearly always found at
    /// its id's distance from the first; the search is for tables with gaps.
    fn row(&self, table: &str, id: i64) -> Result<usize> {
        let guess = self
            .ids
            .first()
            .and_then(|first| usize::try_from(id.checked_sub(*first)?).ok());
        match guess {
            Some(row) if self.ids.get(row) == Some(&id) => Ok(row),
            _ => self
                .ids
                .binary_search(&id)
                .map_err(|_| corrupt(table, format!("{id}: no such row"))),
        }
    }

    /// Text `k` of `row`.
    fn text(&self, row: usize, k: usize) -> Result<&str> {
        let i = row * self.width + k;
        let start = i
            .checked_sub(1)
            .map_or(Some(0), |before| self.ends.get(before).copied());
        start
            .zip(self.ends.get(i))
            .and_then(|(start, &end)| self.text.get(start..end))
            .ok_or_else(|| corrupt("COPY", format!("row {row} has no text {k}")))
    }
}

/// Every household's code.
async fn copy_households(conn: &mut PgConnection) -> Result<ById> {
    let mut households = ById::new(1);
    copy_out(
        conn,
        "COPY (SELECT id, code FROM household ORDER BY id) TO STDOUT (FORMAT binary)",
        |t| {
            let id = binary::int8("id", t.required("id", 0)?)?;
            households.push(id, &[binary::text("code", t.required("code", 1)?)?]);
            Ok::<(), StoreError>(())
        },
    )
    .await?;
    Ok(households)
}

/// Every person's ID number, name and sex, and their birth dates.
async fn copy_people(conn: &mut PgConnection) -> Result<(ById, Vec<NaiveDate>)> {
    let (mut people, mut births) = (ById::new(3), Vec::new());
    copy_out(
        conn,
        "COPY (SELECT id, id_number, name, sex, birth_date FROM person ORDER BY id) \
         TO STDOUT (FORMAT binary)",
        |t| {
            let id = binary::int8("id", t.required("id", 0)?)?;
            let texts = [
                binary::text("id_number", t.required("id_number", 1)?)?,
                binary::text("name", t.required("name", 2)?)?,
                binary::text("sex", t.required("sex", 3)?)?,
            ];
            people.push(id, &texts);
            births.push(binary::date("birth_date", t.required("birth_date", 4)?)?);
            Ok::<(), StoreError>(())
        },
    )
    .await?;
    Ok((people, births))
}

struct PersonRef<'a> {
    id_number: &'a str,
    name: &'a str,
    sex: &'a str,
    birth_date: NaiveDate,
}

/// A version tuple with its person and household code, read by column name as the shared
/// decoder reads rows.
struct Joined<'a> {
    version: &'a Tuple<'a>,
    names: &'a FxHashMap<&'a str, usize>,
    household_code: &'a str,
    person: PersonRef<'a>,
}

impl Joined<'_> {
    fn field(&self, col: &str) -> Result<Option<&[u8]>> {
        let i = *self
            .names
            .get(col)
            .ok_or_else(|| corrupt(col, "not copied"))?;
        self.version.field(col, i)
    }

    fn required(&self, col: &str) -> Result<&[u8]> {
        self.field(col)?.ok_or_else(|| corrupt(col, "is NULL"))
    }

    /// The person's and household's columns, which are never NULL.
    fn joined_text(&self, col: &str) -> Option<&str> {
        match col {
            "id_number" => Some(self.person.id_number),
            "name" => Some(self.person.name),
            "sex" => Some(self.person.sex),
            "household_code" => Some(self.household_code),
            _ => None,
        }
    }
}

impl Columns for Joined<'_> {
    fn text(&self, col: &str) -> Result<String> {
        match self.joined_text(col) {
            Some(text) => Ok(text.to_owned()),
            None => Ok(binary::text(col, self.required(col)?)?.to_owned()),
        }
    }
    fn opt_text(&self, col: &str) -> Result<Option<String>> {
        match self.joined_text(col) {
            Some(text) => Ok(Some(text.to_owned())),
            None => self
                .field(col)?
                .map(|b| binary::text(col, b).map(str::to_owned))
                .transpose(),
        }
    }
    fn int(&self, col: &str) -> Result<i64> {
        binary::int8(col, self.required(col)?)
    }
    fn opt_int(&self, col: &str) -> Result<Option<i64>> {
        self.field(col)?.map(|b| binary::int8(col, b)).transpose()
    }
    fn small(&self, col: &str) -> Result<i16> {
        binary::int2(col, self.required(col)?)
    }
    fn opt_small(&self, col: &str) -> Result<Option<i16>> {
        self.field(col)?.map(|b| binary::int2(col, b)).transpose()
    }
    fn date(&self, col: &str) -> Result<NaiveDate> {
        match col {
            "birth_date" => Ok(self.person.birth_date),
            _ => binary::date(col, self.required(col)?),
        }
    }
    fn opt_date(&self, col: &str) -> Result<Option<NaiveDate>> {
        self.field(col)?.map(|b| binary::date(col, b)).transpose()
    }
    fn boolean(&self, col: &str) -> Result<bool> {
        binary::boolean(col, self.required(col)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A binary COPY stream of two tuples — (7, 'é', NULL) and (-1, '', 2024-02-29) — and
    /// the trailer.
    fn stream() -> Vec<u8> {
        let mut data = SIGNATURE.to_vec();
        data.extend(0i32.to_be_bytes()); // flags
        data.extend(4i32.to_be_bytes()); // a header extension of four bytes, to be skipped
        data.extend(b"skip");
        let field = |data: &mut Vec<u8>, bytes: Option<&[u8]>| match bytes {
            Some(b) => {
                data.extend((b.len() as i32).to_be_bytes());
                data.extend(b);
            }
            None => data.extend((-1i32).to_be_bytes()),
        };
        data.extend(3i16.to_be_bytes());
        field(&mut data, Some(&7i64.to_be_bytes()));
        field(&mut data, Some("é".as_bytes()));
        field(&mut data, None);
        data.extend(3i16.to_be_bytes());
        field(&mut data, Some(&(-1i64).to_be_bytes()));
        field(&mut data, Some(b""));
        // 2024-02-29 is 8,825 days after 2000-01-01.
        field(&mut data, Some(&8_825i32.to_be_bytes()));
        data.extend((-1i16).to_be_bytes());
        data
    }

    type Decoded = (i64, String, Option<NaiveDate>);

    fn read(chunks: &[&[u8]]) -> Result<Vec<Decoded>> {
        let mut tuples = Tuples::default();
        let mut read = Vec::new();
        for chunk in chunks {
            tuples.extend(chunk);
            while let Some(t) = tuples.next()? {
                read.push((
                    binary::int8("a", t.required("a", 0)?)?,
                    binary::text("b", t.required("b", 1)?)?.to_owned(),
                    t.field("c", 2)?.map(|b| binary::date("c", b)).transpose()?,
                ));
            }
        }
        tuples.finish()?;
        Ok(read)
    }

    #[test]
    fn tuples_are_read_however_the_stream_is_cut() {
        let data = stream();
        let expected = vec![
            (7, "é".to_string(), None),
            (-1, String::new(), NaiveDate::from_ymd_opt(2024, 2, 29)),
        ];
        assert_eq!(read(&[&data]).unwrap(), expected);
        for cut in 0..=data.len() {
            let (a, b) = data.split_at(cut);
            assert_eq!(read(&[a, b]).unwrap(), expected, "cut at {cut}");
        }
        let bytes: Vec<&[u8]> = data.chunks(1).collect();
        assert_eq!(read(&bytes).unwrap(), expected);
    }

    #[test]
    fn a_stream_cut_short_or_not_binary_is_refused() {
        let data = stream();
        for end in [0, 5, 19, 30, data.len() - 2, data.len() - 1] {
            assert!(read(&[&data[..end]]).is_err(), "ended at {end}");
        }
        let mut longer = data.clone();
        longer.push(0);
        assert!(read(&[&longer]).is_err());
        let mut text = data;
        text[0] = b'p';
        let error = read(&[&text]).unwrap_err().to_string();
        assert!(error.contains("not in binary COPY format"), "{error}");
    }

    #[test]
    fn fields_of_the_wrong_width_name_their_column() {
        let error = binary::int8("deposits", &[0, 1]).unwrap_err().to_string();
        assert!(
            error.contains("deposits: 2 bytes where 8 were expected"),
            "{error}"
        );
        assert!(binary::date("valid_from", &i32::MAX.to_be_bytes()).is_err());
        assert_eq!(
            binary::date("d", &0i32.to_be_bytes()).unwrap(),
            NaiveDate::from_ymd_opt(2000, 1, 1).unwrap()
        );
        assert_eq!(
            binary::date("d", &(-1i32).to_be_bytes()).unwrap(),
            NaiveDate::from_ymd_opt(1999, 12, 31).unwrap()
        );
        assert!(binary::text("name", &[0xff]).is_err());
    }
}
