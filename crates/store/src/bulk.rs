//! Bulk loading: many registrations in one transaction, through each backend's fast path.
//!
//! A [`Loader`] holds one open transaction. Everything added to it becomes visible at
//! [`Loader::commit`] or not at all, which gives imports their all-or-nothing guarantee and
//! lets the generator stream millions of rows without holding them in memory.

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, Utc};
use minsheng_core::registry::{PersonFacts, Registration};
use minsheng_core::timeline::Version;
use sqlx::{Postgres, Sqlite, Transaction};

use crate::{on_tx, Result, Store, StoreError};

/// One value of a row to load.
pub(crate) enum Cell {
    Int(i64),
    Text(String),
    Date(NaiveDate),
    Bool(bool),
    Null,
}

impl From<Option<NaiveDate>> for Cell {
    fn from(d: Option<NaiveDate>) -> Cell {
        d.map_or(Cell::Null, Cell::Date)
    }
}

pub(crate) struct Table {
    pub name: &'static str,
    pub columns: &'static [&'static str],
}

pub(crate) const HOUSEHOLD: Table = Table {
    name: "household",
    columns: &["id", "code", "area_code", "recorded_at"],
};

pub(crate) const PERSON: Table = Table {
    name: "person",
    columns: &[
        "id",
        "id_number",
        "name",
        "birth_date",
        "sex",
        "recorded_at",
        "recorded_by",
    ],
};

pub(crate) const PERSON_VERSION: Table = Table {
    name: "person_version",
    columns: &[
        "id",
        "person_id",
        "valid_from",
        "valid_to",
        "recorded_at",
        "superseded_at",
        "recorded_by",
        "household_id",
        "relation",
        "lives_together",
        "hukou",
        "area_code",
        "death_date",
        "disability_category",
        "disability_grade",
        "illnesses",
        "work_ability",
        "employment",
        "income_wage",
        "income_business",
        "income_property",
        "income_transfer",
        "income_pension",
        "income_residents_basic_pension",
        "income_social_assistance",
        "income_scholarship",
        "income_family_planning_reward",
        "income_bravery_award",
        "deposits",
        "vehicles",
        "homes",
    ],
};

/// The cells of one `person_version` row, in [`PERSON_VERSION`] column order.
pub(crate) fn version_cells(
    id: i64,
    person_id: i64,
    household_id: i64,
    version: &Version<PersonFacts>,
    recorded_at: i64,
    recorded_by: &str,
) -> Vec<Cell> {
    let f = &version.facts;
    let mut cells = Vec::with_capacity(PERSON_VERSION.columns.len());
    cells.extend([
        Cell::Int(id),
        Cell::Int(person_id),
        Cell::Date(version.valid_from),
        version.valid_to.into(),
        Cell::Int(recorded_at),
        Cell::Null,
        Cell::Text(recorded_by.to_string()),
        Cell::Int(household_id),
        Cell::Text(f.relation.as_str().into()),
        Cell::Bool(f.lives_together),
        Cell::Text(f.hukou.as_str().into()),
        Cell::Text(f.area.as_str().into()),
        f.death_date.into(),
        f.disability
            .map_or(Cell::Null, |d| Cell::Text(d.category.as_str().into())),
        f.disability
            .map_or(Cell::Null, |d| Cell::Int(i64::from(d.grade()))),
        Cell::Text(f.illnesses.to_codes()),
        Cell::Text(f.work_ability.as_str().into()),
        Cell::Text(f.employment.as_str().into()),
    ]);
    cells.extend(f.income.iter().map(|(_, amount)| Cell::Int(amount.0)));
    cells.extend([
        Cell::Int(f.assets.deposits.0),
        Cell::Int(i64::from(f.assets.vehicles)),
        Cell::Int(i64::from(f.assets.homes)),
    ]);
    cells
}

pub(crate) enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// SQLite allows 32,766 bound parameters in one statement; stay below it.
const SQLITE_MAX_PARAMS: usize = 32_000;

impl Tx {
    pub(crate) async fn begin(store: &Store) -> Result<Tx> {
        Ok(match store {
            Store::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                // Take the write lock now rather than at the first insert, so that two writers
                // queue up instead of one failing half-way with "database is locked".
                sqlx::query("UPDATE household SET id = id WHERE id = -1")
                    .execute(&mut *tx)
                    .await?;
                Tx::Sqlite(tx)
            }
            Store::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query(
                    "LOCK TABLE household, person, person_version IN SHARE ROW EXCLUSIVE MODE",
                )
                .execute(&mut *tx)
                .await?;
                Tx::Postgres(tx)
            }
        })
    }

    pub(crate) async fn write(
        &mut self,
        table: &Table,
        rows: Vec<Vec<Cell>>,
        sql_cache: &mut HashMap<(&'static str, usize), String>,
    ) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        match self {
            Tx::Postgres(tx) => {
                let mut buf = String::with_capacity(rows.len() * table.columns.len() * 8);
                for row in &rows {
                    for (i, cell) in row.iter().enumerate() {
                        if i > 0 {
                            buf.push('\t');
                        }
                        write_copy_cell(&mut buf, cell);
                    }
                    buf.push('\n');
                }
                let statement = format!(
                    "COPY {} ({}) FROM STDIN",
                    table.name,
                    table.columns.join(", ")
                );
                let mut copy = tx.copy_in_raw(&statement).await?;
                copy.send(buf.as_bytes()).await?;
                copy.finish().await?;
            }
            Tx::Sqlite(tx) => {
                let per_statement = (SQLITE_MAX_PARAMS / table.columns.len()).max(1);
                let mut rows = rows.into_iter().peekable();
                while rows.peek().is_some() {
                    let chunk: Vec<Vec<Cell>> = rows.by_ref().take(per_statement).collect();
                    let sql = sql_cache
                        .entry((table.name, chunk.len()))
                        .or_insert_with(|| insert_sql(table, chunk.len()));
                    let mut query = sqlx::query(sql.as_str());
                    for cell in chunk.into_iter().flatten() {
                        query = match cell {
                            Cell::Int(v) => query.bind(v),
                            Cell::Text(v) => query.bind(v),
                            Cell::Date(v) => query.bind(v),
                            Cell::Bool(v) => query.bind(v),
                            Cell::Null => query.bind(Option::<i64>::None),
                        };
                    }
                    query.execute(&mut **tx).await?;
                }
            }
        }
        Ok(())
    }

    pub(crate) async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

fn insert_sql(table: &Table, rows: usize) -> String {
    let placeholders = format!("({})", vec!["?"; table.columns.len()].join(","));
    let mut sql = format!(
        "INSERT INTO {} ({}) VALUES ",
        table.name,
        table.columns.join(", ")
    );
    for i in 0..rows {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str(&placeholders);
    }
    sql
}

/// PostgreSQL COPY text format: tab-separated, `\N` for NULL, backslash escapes.
fn write_copy_cell(buf: &mut String, cell: &Cell) {
    match cell {
        Cell::Int(v) => {
            let _ = write!(buf, "{v}");
        }
        Cell::Date(d) => {
            let _ = write!(buf, "{}", d.format("%Y-%m-%d"));
        }
        Cell::Bool(b) => buf.push(if *b { 't' } else { 'f' }),
        Cell::Null => buf.push_str("\\N"),
        Cell::Text(s) => {
            for ch in s.chars() {
                match ch {
                    '\\' => buf.push_str("\\\\"),
                    '\t' => buf.push_str("\\t"),
                    '\n' => buf.push_str("\\n"),
                    '\r' => buf.push_str("\\r"),
                    c => buf.push(c),
                }
            }
        }
    }
}

pub(crate) fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// Registrations streamed into one transaction. Drop it without committing and nothing is kept.
pub struct Loader {
    tx: Tx,
    recorded_by: String,
    recorded_at: i64,
    next_person_id: i64,
    next_household_id: i64,
    next_version_id: i64,
    /// Household codes resolved so far (existing or created by this load) → id.
    households: HashMap<String, i64>,
    /// The database held no households when the load began, so no code needs looking up.
    fresh: bool,
    sql_cache: HashMap<(&'static str, usize), String>,
    pub persons_added: u64,
    pub households_added: u64,
}

impl Store {
    pub async fn begin_load(&self, recorded_by: &str, now: DateTime<Utc>) -> Result<Loader> {
        let mut tx = Tx::begin(self).await?;
        let (persons, households, versions) = max_ids(&mut tx).await?;
        Ok(Loader {
            tx,
            recorded_by: recorded_by.to_string(),
            recorded_at: micros(now),
            next_person_id: persons + 1,
            next_household_id: households + 1,
            next_version_id: versions + 1,
            households: HashMap::new(),
            fresh: households == 0,
            sql_cache: HashMap::new(),
            persons_added: 0,
            households_added: 0,
        })
    }
}

async fn max_ids(tx: &mut Tx) -> Result<(i64, i64, i64)> {
    on_tx!(tx, conn => {
        Ok(sqlx::query_as(
            "SELECT (SELECT COALESCE(MAX(id), 0) FROM person), \
                    (SELECT COALESCE(MAX(id), 0) FROM household), \
                    (SELECT COALESCE(MAX(id), 0) FROM person_version)",
        )
        .fetch_one(&mut *conn)
        .await?)
    })
}

impl Loader {
    /// Adds registrations. Households are found by code in the database or in this load;
    /// a code seen for the first time creates a household in the area of its head (or of its
    /// first member, when the head is not in this batch).
    pub async fn add(&mut self, batch: &[Registration]) -> Result<()> {
        if !self.fresh {
            let unknown: Vec<&str> = batch
                .iter()
                .map(|r| r.facts.household.as_str())
                .filter(|c| !self.households.contains_key(*c))
                .collect();
            let found = crate::registry::household_ids(&mut self.tx, &unknown).await?;
            self.households.extend(found);
        }
        let mut new_households: Vec<Vec<Cell>> = Vec::new();
        let mut created: HashMap<&str, usize> = HashMap::new();
        for r in batch {
            let code = r.facts.household.as_str();
            let is_head = r.facts.relation == minsheng_core::registry::Relation::Head;
            if let Some(&row) = created.get(code) {
                if is_head {
                    new_households[row][2] = Cell::Text(r.facts.area.as_str().to_string());
                }
            } else if !self.households.contains_key(code) {
                let id = self.next_household_id;
                self.next_household_id += 1;
                self.households.insert(code.to_string(), id);
                created.insert(code, new_households.len());
                new_households.push(vec![
                    Cell::Int(id),
                    Cell::Text(code.to_string()),
                    Cell::Text(r.facts.area.as_str().to_string()),
                    Cell::Int(self.recorded_at),
                ]);
            }
        }
        let mut persons = Vec::with_capacity(batch.len());
        let mut versions = Vec::with_capacity(batch.len());
        for r in batch {
            let person_id = self.next_person_id;
            self.next_person_id += 1;
            let household_id =
                *self
                    .households
                    .get(r.facts.household.as_str())
                    .ok_or_else(|| {
                        StoreError::Corrupt(format!(
                            "household {} was not resolved",
                            r.facts.household
                        ))
                    })?;
            persons.push(vec![
                Cell::Int(person_id),
                Cell::Text(r.person.id_number.as_str().to_string()),
                Cell::Text(r.person.name.clone()),
                Cell::Date(r.birth_date),
                Cell::Text(r.sex.as_str().to_string()),
                Cell::Int(self.recorded_at),
                Cell::Text(self.recorded_by.clone()),
            ]);
            let version = Version {
                valid_from: r.effective_from,
                valid_to: None,
                facts: r.facts.clone(),
            };
            versions.push(version_cells(
                self.next_version_id,
                person_id,
                household_id,
                &version,
                self.recorded_at,
                &self.recorded_by,
            ));
            self.next_version_id += 1;
        }
        self.households_added += new_households.len() as u64;
        self.persons_added += batch.len() as u64;
        self.tx
            .write(&HOUSEHOLD, new_households, &mut self.sql_cache)
            .await?;
        self.tx.write(&PERSON, persons, &mut self.sql_cache).await?;
        self.tx
            .write(&PERSON_VERSION, versions, &mut self.sql_cache)
            .await?;
        Ok(())
    }

    pub async fn commit(self) -> Result<(u64, u64)> {
        let counts = (self.persons_added, self.households_added);
        self.tx.commit().await?;
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_is_escaped() {
        let mut buf = String::new();
        write_copy_cell(&mut buf, &Cell::Text("a\tb\\c\nd".into()));
        assert_eq!(buf, "a\\tb\\\\c\\nd");
    }

    #[test]
    fn insert_sql_has_one_placeholder_per_cell() {
        let sql = insert_sql(&HOUSEHOLD, 3);
        assert_eq!(sql.matches('?').count(), 12);
    }
}
