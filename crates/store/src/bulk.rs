//! Bulk loading: many registrations in one transaction, through each backend's fast path.
//!
//! A [`Loader`] holds one open transaction. Everything added to it becomes visible at
//! [`Loader::commit`] or not at all, which gives imports their all-or-nothing guarantee and
//! lets the generator stream millions of rows without holding them in memory.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use minsheng_core::registry::{Parent, PersonFacts, Registration};
use minsheng_core::timeline::Version;
use rustc_hash::FxHashMap;
use sqlx::{Postgres, Sqlite, Transaction};

use crate::{on_tx, Result, Store, StoreError};

/// One value of a row to load.
pub enum Cell {
    Int(i64),
    Text(String),
    /// A code from a fixed list: no allocation per row.
    Code(&'static str),
    /// An ISO date, formatted by whoever prepares the row rather than by the writer, which is
    /// the busier of the two.
    Date(IsoDate),
    Bool(bool),
    Null,
    /// A missing text: the same NULL, typed as text where the database types its parameters
    /// (PostgreSQL keeps a prepared statement's types; a column that is text in some rows and
    /// NULL in others must be bound as text both times).
    NullText,
    /// A missing date, typed as a date for the same reason.
    NullDate,
}

impl From<NaiveDate> for Cell {
    fn from(d: NaiveDate) -> Cell {
        Cell::Date(IsoDate::new(d))
    }
}

impl From<Option<NaiveDate>> for Cell {
    fn from(d: Option<NaiveDate>) -> Cell {
        d.map_or(Cell::NullDate, Cell::from)
    }
}

/// `YYYY-MM-DD`, the text both sqlx and PostgreSQL read back as a date.
#[derive(Clone, Copy)]
pub struct IsoDate([u8; 10]);

impl IsoDate {
    fn new(d: NaiveDate) -> IsoDate {
        use chrono::Datelike;
        let mut text = *b"0000-00-00";
        let (year, month, day) = (d.year().clamp(0, 9999) as u32, d.month(), d.day());
        for (place, digit) in
            text.iter_mut()
                .zip([year / 1000, year / 100 % 10, year / 10 % 10, year % 10])
        {
            *place = b'0' + digit as u8;
        }
        text[5] = b'0' + (month / 10) as u8;
        text[6] = b'0' + (month % 10) as u8;
        text[8] = b'0' + (day / 10) as u8;
        text[9] = b'0' + (day % 10) as u8;
        IsoDate(text)
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII digits and dashes are ever written.
        std::str::from_utf8(&self.0).unwrap_or("0000-00-00")
    }
}

pub struct Table {
    pub name: &'static str,
    pub columns: &'static [&'static str],
}

pub(crate) const HOUSEHOLD: Table = Table {
    name: "household",
    columns: &["id", "code", "area_code", "recorded_at"],
};

pub(crate) const PERSON: Table = Table {
    name: "person",
    columns: &["id", "id_number", "name", "birth_date", "sex"],
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
        "self_care_lost",
        "father",
        "mother",
        "institutional_care",
        "expense_medical",
        "expense_education",
        "expense_rehabilitation",
        "ability_level",
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
        version.valid_from.into(),
        version.valid_to.into(),
        Cell::Int(recorded_at),
        Cell::Null,
        Cell::Text(recorded_by.to_string()),
        Cell::Int(household_id),
        Cell::Code(f.relation.as_str()),
        Cell::Bool(f.lives_together),
        Cell::Code(f.hukou.as_str()),
        Cell::Text(f.area.as_str().into()),
        f.death_date.into(),
        f.disability
            .map_or(Cell::Null, |d| Cell::Code(d.category.as_str())),
        f.disability
            .map_or(Cell::Null, |d| Cell::Int(i64::from(d.grade()))),
        Cell::Text(f.illnesses.to_codes()),
        Cell::Code(f.work_ability.as_str()),
        Cell::Code(f.employment.as_str()),
    ]);
    cells.extend(f.income.iter().map(|(_, amount)| Cell::Int(amount.0)));
    cells.extend([
        Cell::Int(f.assets.deposits.0),
        Cell::Int(i64::from(f.assets.vehicles)),
        Cell::Int(i64::from(f.assets.homes)),
        if f.self_care_lost.is_empty() {
            Cell::Code("")
        } else {
            Cell::Text(f.self_care_lost.to_codes())
        },
        parent_cell(&f.father),
        parent_cell(&f.mother),
        Cell::Bool(f.institutional_care),
    ]);
    cells.extend(f.expenses.iter().map(|(_, amount)| Cell::Int(amount.0)));
    cells.push(
        f.ability
            .map_or(Cell::Null, |level| Cell::Code(level.as_str())),
    );
    cells
}

/// A parent's situation; one without dates is a bare code, which the cell needs no copy for.
fn parent_cell(parent: &Parent) -> Cell {
    match parent.since {
        None => Cell::Code(parent.situation.as_str()),
        Some(_) => Cell::Text(parent.code()),
    }
}

/// Something a load into an empty registry drops at its start and creates again at commit,
/// within its transaction: building an index from sorted keys, or checking a foreign key in
/// one join, is many times faster than maintaining it row by row for millions of rows.
pub(crate) struct Deferred {
    pub name: &'static str,
    pub drop: &'static str,
    pub create: &'static str,
}

/// The secondary indexes of the registry, as the migrations create them (both backends).
pub(crate) const DEFERRED_INDEXES: &[Deferred] = &[
    Deferred {
        name: "household_code",
        drop: "DROP INDEX household_code",
        create: "CREATE UNIQUE INDEX household_code ON household (code)",
    },
    Deferred {
        name: "household_area",
        drop: "DROP INDEX household_area",
        create: "CREATE INDEX household_area ON household (area_code)",
    },
    Deferred {
        name: "person_id_number",
        drop: "DROP INDEX person_id_number",
        create: "CREATE UNIQUE INDEX person_id_number ON person (id_number)",
    },
    Deferred {
        name: "resident_search_name_start",
        drop: "DROP INDEX resident_search_name_start",
        create: "CREATE INDEX resident_search_name_start ON resident_search (substr(name, 1, 2), area_code, name)",
    },
    Deferred {
        name: "resident_search_given_name_start",
        drop: "DROP INDEX resident_search_given_name_start",
        create: "CREATE INDEX resident_search_given_name_start ON resident_search (substr(name, 2, 2), area_code, name)",
    },
    Deferred {
        name: "resident_search_id_number_end",
        drop: "DROP INDEX resident_search_id_number_end",
        create: "CREATE INDEX resident_search_id_number_end ON resident_search (substr(id_number, 15), area_code, id_number)",
    },
    Deferred {
        name: "person_version_person_idx",
        drop: "DROP INDEX person_version_person_idx",
        create: "CREATE INDEX person_version_person_idx ON person_version (person_id)",
    },
    Deferred {
        name: "person_version_household_idx",
        drop: "DROP INDEX person_version_household_idx",
        create: "CREATE INDEX person_version_household_idx ON person_version (household_id)",
    },
];

/// The primary keys of the registry tables on PostgreSQL, dropped after the foreign keys that
/// need them and added back before those. The loader numbers rows itself, so their keys
/// arrive in order and the index is built in one pass instead of one B-tree insert a row.
pub(crate) const DEFERRED_POSTGRES_PRIMARY_KEYS: &[Deferred] = &[
    Deferred {
        name: "household_pkey",
        drop: "ALTER TABLE household DROP CONSTRAINT household_pkey",
        create: "ALTER TABLE household ADD CONSTRAINT household_pkey PRIMARY KEY (id)",
    },
    Deferred {
        name: "person_pkey",
        drop: "ALTER TABLE person DROP CONSTRAINT person_pkey",
        create: "ALTER TABLE person ADD CONSTRAINT person_pkey PRIMARY KEY (id)",
    },
    Deferred {
        name: "person_version_pkey",
        drop: "ALTER TABLE person_version DROP CONSTRAINT person_version_pkey",
        create: "ALTER TABLE person_version ADD CONSTRAINT person_version_pkey PRIMARY KEY (id)",
    },
    Deferred {
        name: "resident_search_pkey",
        drop: "ALTER TABLE resident_search DROP CONSTRAINT resident_search_pkey",
        create: "ALTER TABLE resident_search ADD CONSTRAINT resident_search_pkey PRIMARY KEY (person_id)",
    },
];

/// The foreign keys of the registry tables on PostgreSQL. (SQLite cannot drop a constraint;
/// there its per-row checks are cheap enough to keep.)
pub(crate) const DEFERRED_POSTGRES_KEYS: &[Deferred] = &[
    Deferred {
        name: "household_area",
        drop: "ALTER TABLE household DROP CONSTRAINT household_area",
        create: "ALTER TABLE household ADD CONSTRAINT household_area FOREIGN KEY (area_code) REFERENCES area (code)",
    },
    Deferred {
        name: "person_version_person",
        drop: "ALTER TABLE person_version DROP CONSTRAINT person_version_person",
        create: "ALTER TABLE person_version ADD CONSTRAINT person_version_person FOREIGN KEY (person_id) REFERENCES person (id)",
    },
    Deferred {
        name: "person_version_household",
        drop: "ALTER TABLE person_version DROP CONSTRAINT person_version_household",
        create: "ALTER TABLE person_version ADD CONSTRAINT person_version_household FOREIGN KEY (household_id) REFERENCES household (id)",
    },
    Deferred {
        name: "person_version_area",
        drop: "ALTER TABLE person_version DROP CONSTRAINT person_version_area",
        create: "ALTER TABLE person_version ADD CONSTRAINT person_version_area FOREIGN KEY (area_code) REFERENCES area (code)",
    },
];

const MAX_IDS: &str = "SELECT (SELECT COALESCE(MAX(id), 0) FROM person), \
    (SELECT COALESCE(MAX(id), 0) FROM household), (SELECT COALESCE(MAX(id), 0) FROM person_version)";

pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// SQLite allows 32,766 bound parameters in one statement; stay below it.
const SQLITE_MAX_PARAMS: usize = 32_000;

impl Tx {
    /// A write transaction that locks no table of its own: SQLite's writer lock from the
    /// start (so two writers queue rather than one failing half-way); on PostgreSQL the row
    /// locks its statements take, and the audit lock if it appends to the audit log.
    pub async fn write_only(store: &Store) -> Result<Tx> {
        Ok(match store {
            Store::Sqlite(pool, _) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Store::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    pub async fn begin(store: &Store) -> Result<Tx> {
        Ok(match store {
            Store::Sqlite(pool, _) => {
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

    pub async fn write(&mut self, table: &Table, rows: Vec<Vec<Cell>>) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        match self {
            Tx::Postgres(_) => self.copy(table, &copy_text(table, &rows)).await?,
            // Only small writes come this way (a recorded change); loads use `sqlite_writer`.
            Tx::Sqlite(tx) => {
                let per_statement = (SQLITE_MAX_PARAMS / table.columns.len()).max(1);
                let mut rows = rows.into_iter().peekable();
                while rows.peek().is_some() {
                    let chunk: Vec<Vec<Cell>> = rows.by_ref().take(per_statement).collect();
                    let sql = insert_sql(table, chunk.len());
                    bind_all(sqlx::query(&sql), chunk)
                        .execute(&mut **tx)
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Streams rows already in COPY text format into `table` (PostgreSQL only).
    async fn copy(&mut self, table: &Table, data: &str) -> Result<()> {
        let Tx::Postgres(tx) = self else {
            return Err(StoreError::Corrupt("COPY on a SQLite transaction".into()));
        };
        let statement = format!(
            "COPY {} ({}) FROM STDIN",
            table.name,
            table.columns.join(", ")
        );
        let mut copy = tx.copy_in_raw(&statement).await?;
        copy.send(data.as_bytes()).await?;
        copy.finish().await?;
        Ok(())
    }

    pub fn backend(&self) -> crate::Backend {
        match self {
            Tx::Sqlite(_) => crate::Backend::Sqlite,
            Tx::Postgres(_) => crate::Backend::Postgres,
        }
    }

    pub async fn execute(&mut self, sql: &str) -> Result<()> {
        on_tx!(self, conn => {
            sqlx::query(sql).execute(&mut *conn).await?;
        });
        Ok(())
    }

    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

type SqliteQuery<'q> = sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>>;

fn bind_all(mut query: SqliteQuery<'_>, rows: Vec<Vec<Cell>>) -> SqliteQuery<'_> {
    for cell in rows.into_iter().flatten() {
        query = match cell {
            Cell::Int(v) => query.bind(v),
            Cell::Text(v) => query.bind(v),
            Cell::Code(v) => query.bind(v),
            // The same ISO text sqlx would store, without a strftime parse per value.
            Cell::Date(d) => query.bind(d.as_str().to_string()),
            Cell::Bool(v) => query.bind(v),
            Cell::Null => query.bind(Option::<i64>::None),
            Cell::NullText | Cell::NullDate => query.bind(Option::<String>::None),
        };
    }
    query
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

/// Rows in PostgreSQL's COPY text format.
fn copy_text(table: &Table, rows: &[Vec<Cell>]) -> String {
    let mut buf = String::with_capacity(rows.len() * table.columns.len() * 8);
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                buf.push('\t');
            }
            write_copy_cell(&mut buf, cell);
        }
        buf.push('\n');
    }
    buf
}

fn escaped_in_copy(b: u8) -> bool {
    matches!(b, b'\\' | b'\t' | b'\n' | b'\r')
}

/// PostgreSQL COPY text format: tab-separated, `\N` for NULL, backslash escapes.
fn write_copy_cell(buf: &mut String, cell: &Cell) {
    match cell {
        Cell::Int(v) => buf.push_str(itoa::Buffer::new().format(*v)),
        Cell::Date(d) => buf.push_str(d.as_str()),
        Cell::Bool(b) => buf.push(if *b { 't' } else { 'f' }),
        Cell::Null | Cell::NullText | Cell::NullDate => buf.push_str("\\N"),
        Cell::Code(s) => buf.push_str(s),
        // Most text needs no escape: one scan of its bytes, then one copy.
        Cell::Text(s) if !s.bytes().any(escaped_in_copy) => buf.push_str(s),
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

pub fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// Work for a load's writer, in order.
enum Job {
    Write(&'static Table, Vec<Vec<Cell>>),
    Lookup(
        Vec<String>,
        tokio::sync::oneshot::Sender<Result<HashMap<String, i64>>>,
    ),
    /// Commit, with the audit entries that record the load.
    Commit(Vec<crate::NewAuditEntry>),
}

/// What the writer found when it opened the load's transaction.
#[derive(Clone, Copy)]
struct Start {
    max_ids: (i64, i64, i64),
    /// The registry was empty: nothing needs looking up, and deferred indexes and keys are
    /// rebuilt at commit.
    fresh: bool,
}

type Ready = tokio::sync::oneshot::Sender<Result<Start>>;

/// Tells `begin_load` how the writer's setup went. On success the writer goes on with its
/// connection and what it found; on failure the error has been handed over.
fn announce<C>(ready: Ready, setup: Result<(C, Start)>) -> Option<(C, Start)> {
    match setup {
        Ok((conn, start)) => {
            let _ = ready.send(Ok(start));
            Some((conn, start))
        }
        Err(e) => {
            let _ = ready.send(Err(e));
            None
        }
    }
}

/// The PostgreSQL writer: one transaction, rows through COPY.
async fn postgres_writer(
    pool: sqlx::PgPool,
    mut jobs: tokio::sync::mpsc::Receiver<Job>,
    ready: Ready,
) -> Result<()> {
    let setup = async {
        let mut tx = Tx::begin(&Store::Postgres(pool)).await?;
        let max_ids = max_ids(&mut tx).await?;
        let fresh = max_ids.0 == 0 && max_ids.1 == 0;
        if fresh {
            let dropped = DEFERRED_POSTGRES_KEYS
                .iter()
                .chain(DEFERRED_POSTGRES_PRIMARY_KEYS)
                .chain(DEFERRED_INDEXES);
            for d in dropped {
                tx.execute(d.drop).await?;
            }
        }
        Ok::<_, StoreError>((tx, Start { max_ids, fresh }))
    };
    let Some((
        mut tx,
        Start {
            max_ids: (persons_before, _, _),
            fresh,
        },
    )) = announce(ready, setup.await)
    else {
        return Ok(());
    };
    let mut writing = std::time::Duration::ZERO;
    while let Some(job) = jobs.recv().await {
        match job {
            Job::Write(table, rows) => {
                let started = std::time::Instant::now();
                tx.write(table, rows).await?;
                writing += started.elapsed();
            }

            Job::Lookup(codes, reply) => {
                let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
                let _ = reply.send(crate::registry::household_ids(&mut tx, &codes).await);
            }
            Job::Commit(audit) => {
                tracing::info!(seconds = writing.as_secs_f64(), "rows written");
                let started = std::time::Instant::now();
                tx.execute(&crate::access::search_rows_after(persons_before))
                    .await?;
                tracing::info!(
                    seconds = started.elapsed().as_secs_f64(),
                    "search rows added"
                );
                if fresh {
                    let created = DEFERRED_INDEXES
                        .iter()
                        .chain(DEFERRED_POSTGRES_PRIMARY_KEYS)
                        .chain(DEFERRED_POSTGRES_KEYS);
                    for d in created {
                        let started = std::time::Instant::now();
                        tx.execute(d.create).await?;
                        tracing::info!(
                            name = d.name,
                            seconds = started.elapsed().as_secs_f64(),
                            "rebuilt"
                        );
                    }
                }
                tx.append_audit(&audit).await?;
                return tx.commit().await;
            }
        }
    }
    Ok(()) // closed without a commit: dropping the transaction rolls it back
}

impl rusqlite::ToSql for Cell {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::ToSqlOutput;
        Ok(match self {
            Cell::Int(v) => ToSqlOutput::from(*v),
            Cell::Text(s) => ToSqlOutput::from(s.as_str()),
            Cell::Code(s) => ToSqlOutput::from(*s),
            Cell::Date(d) => ToSqlOutput::from(d.as_str()),
            Cell::Bool(b) => ToSqlOutput::from(*b),
            Cell::Null | Cell::NullText | Cell::NullDate => {
                ToSqlOutput::from(rusqlite::types::Null)
            }
        })
    }
}

/// The SQLite writer. A load is SQLite's one hot write path, so it gets a connection of its
/// own through rusqlite on a blocking thread: prepared inserts (32 rows a statement) executed
/// straight from our cells, with none of the async driver's per-argument boxing. Same file, same
/// schema, same transaction semantics; everything else goes through sqlx.
fn sqlite_writer(
    path: std::path::PathBuf,
    mut jobs: tokio::sync::mpsc::Receiver<Job>,
    ready: Ready,
) -> Result<()> {
    let setup = || -> Result<(rusqlite::Connection, Start)> {
        let conn = rusqlite::Connection::open(&path)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.execute_batch(
            "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -524288; PRAGMA threads = 2; \
             PRAGMA temp_store = memory; BEGIN IMMEDIATE",
        )?;
        let max_ids = conn.query_row(MAX_IDS, [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        let fresh = max_ids.0 == 0 && max_ids.1 == 0;
        if fresh {
            for d in DEFERRED_INDEXES {
                conn.execute_batch(d.drop)?;
            }
        }
        Ok((conn, Start { max_ids, fresh }))
    };
    let Some((
        conn,
        Start {
            max_ids: (persons_before, _, _),
            fresh,
        },
    )) = announce(ready, setup())
    else {
        return Ok(());
    };
    let mut writing = std::time::Duration::ZERO;
    while let Some(job) = jobs.blocking_recv() {
        match job {
            Job::Write(table, rows) => {
                let started = std::time::Instant::now();
                // Several rows per statement spread the per-statement work of the VM.
                const ROWS: usize = 32;
                let mut chunks = rows.chunks_exact(ROWS);
                let mut insert = conn.prepare_cached(&insert_sql(table, ROWS))?;
                for chunk in chunks.by_ref() {
                    insert.execute(rusqlite::params_from_iter(chunk.iter().flatten()))?;
                }
                let mut insert = conn.prepare_cached(&insert_sql(table, 1))?;
                for row in chunks.remainder() {
                    insert.execute(rusqlite::params_from_iter(row))?;
                }
                drop(rows);
                writing += started.elapsed();
            }
            Job::Lookup(codes, reply) => {
                let lookup = || -> Result<HashMap<String, i64>> {
                    let mut found = HashMap::new();
                    for chunk in codes.chunks(500) {
                        let sql =
                            crate::registry::household_ids_sql(crate::Backend::Sqlite, chunk.len());
                        let mut query = conn.prepare_cached(&sql)?;
                        let rows = query.query_map(rusqlite::params_from_iter(chunk), |r| {
                            Ok((r.get::<_, String>(1)?, r.get::<_, i64>(0)?))
                        })?;
                        for row in rows {
                            let (code, id) = row?;
                            found.insert(code, id);
                        }
                    }
                    Ok(found)
                };
                let _ = reply.send(lookup());
            }
            Job::Commit(audit) => {
                tracing::info!(seconds = writing.as_secs_f64(), "rows written");
                let started = std::time::Instant::now();
                conn.execute_batch(&crate::access::search_rows_after(persons_before))?;
                tracing::info!(
                    seconds = started.elapsed().as_secs_f64(),
                    "search rows added"
                );
                if fresh {
                    for d in DEFERRED_INDEXES {
                        let started = std::time::Instant::now();
                        conn.execute_batch(d.create)?;
                        tracing::info!(
                            name = d.name,
                            seconds = started.elapsed().as_secs_f64(),
                            "rebuilt"
                        );
                    }
                }
                crate::audit::append_on(&conn, &audit)?;
                conn.execute_batch("COMMIT")?;
                return Ok(());
            }
        }
    }
    Ok(()) // closed without a commit: closing the connection rolls the transaction back
}

/// Registrations streamed into one transaction. Drop it without committing and nothing is kept.
///
/// The caller prepares rows; a writer of their own (a task for PostgreSQL, a blocking thread
/// for SQLite) writes them, so preparing the next batch overlaps with writing this one.
pub struct Loader {
    store: Store,
    jobs: Option<tokio::sync::mpsc::Sender<Job>>,
    writer: Option<tokio::task::JoinHandle<Result<()>>>,
    recorded_by: String,
    recorded_at: i64,
    next_person_id: i64,
    next_household_id: i64,
    next_version_id: i64,
    /// Household codes resolved so far (existing or created by this load) → id. FxHash: the
    /// codes come from files, but a collision only costs time, and SipHash was a visible share
    /// of an import.
    households: FxHashMap<String, i64>,
    fresh: bool,
    pub persons_added: u64,
    pub households_added: u64,
}

impl Store {
    pub async fn begin_load(&self, recorded_by: &str, now: DateTime<Utc>) -> Result<Loader> {
        let (jobs, receive) = tokio::sync::mpsc::channel(4);
        let (ready, start) = tokio::sync::oneshot::channel();
        let writer = match self {
            Store::Postgres(pool) => tokio::spawn(postgres_writer(pool.clone(), receive, ready)),
            Store::Sqlite(pool, _) => {
                let path = pool.connect_options().get_filename().to_path_buf();
                tokio::task::spawn_blocking(move || sqlite_writer(path, receive, ready))
            }
        };
        let start = match start.await {
            Ok(start) => start?,
            Err(_) => {
                return Err(match writer.await {
                    Ok(Err(e)) => e,
                    _ => StoreError::Corrupt("the load's writer did not start".into()),
                })
            }
        };
        let (persons, households, versions) = start.max_ids;
        Ok(Loader {
            store: self.clone(),
            jobs: Some(jobs),
            writer: Some(writer),
            recorded_by: recorded_by.to_string(),
            recorded_at: micros(now),
            next_person_id: persons + 1,
            next_household_id: households + 1,
            next_version_id: versions + 1,
            households: FxHashMap::default(),
            fresh: start.fresh,
            persons_added: 0,
            households_added: 0,
        })
    }
}

async fn max_ids(tx: &mut Tx) -> Result<(i64, i64, i64)> {
    on_tx!(tx, conn => Ok(sqlx::query_as(MAX_IDS).fetch_one(&mut *conn).await?))
}

impl Loader {
    /// Whether the registry was empty when the load began (its write lock is held since, so it
    /// still is, but for this load).
    pub fn into_empty_registry(&self) -> bool {
        self.fresh
    }

    /// Prepares for about `households` more households, so that a large load does not grow its
    /// table of them step by step.
    pub fn reserve(&mut self, households: usize) {
        self.households.reserve(households);
    }

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
            if !unknown.is_empty() {
                let (reply, answer) = tokio::sync::oneshot::channel();
                let unknown = unknown.iter().map(|c| c.to_string()).collect();
                self.send(Job::Lookup(unknown, reply)).await?;
                let found = match answer.await {
                    Ok(found) => found?,
                    Err(_) => return Err(self.writer_error().await),
                };
                self.households.extend(found);
            }
        }
        let mut new_households: Vec<Vec<Cell>> = Vec::new();
        let mut created: FxHashMap<&str, usize> = FxHashMap::default();
        for r in batch {
            let code = r.facts.household.as_str();
            let is_head = r.facts.relation == minsheng_core::registry::Relation::Head;
            if let Some(&row) = created.get(code) {
                // `created` holds positions in `new_households`, whose rows have an area cell.
                let area = new_households
                    .get_mut(row)
                    .and_then(|cells| cells.get_mut(2));
                if let Some(area) = area.filter(|_| is_head) {
                    *area = Cell::Text(r.facts.area.as_str().to_string());
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
                r.birth_date.into(),
                Cell::Code(r.sex.as_str()),
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
        self.send(Job::Write(&HOUSEHOLD, new_households)).await?;
        self.send(Job::Write(&PERSON, persons)).await?;
        self.send(Job::Write(&PERSON_VERSION, versions)).await?;
        Ok(())
    }

    async fn send(&mut self, job: Job) -> Result<()> {
        let sent = match &self.jobs {
            Some(jobs) => jobs.send(job).await.is_ok(),
            None => false,
        };
        if sent {
            Ok(())
        } else {
            Err(self.writer_error().await)
        }
    }

    /// The error that stopped the writer task.
    async fn writer_error(&mut self) -> StoreError {
        self.jobs = None;
        match self.writer.take() {
            Some(handle) => match handle.await {
                Ok(Err(e)) => e,
                Ok(Ok(_)) => StoreError::Corrupt("the load's writer stopped early".into()),
                Err(e) => StoreError::Corrupt(format!("the load's writer failed: {e}")),
            },
            None => StoreError::Corrupt("the load has already failed".into()),
        }
    }

    /// Gives up the load: nothing added is kept, and the write lock is released on return.
    pub async fn abandon(mut self) -> Result<()> {
        self.jobs = None;
        if let Some(writer) = self.writer.take() {
            writer
                .await
                .map_err(|e| StoreError::Corrupt(format!("the load's writer failed: {e}")))??;
        }
        Ok(())
    }

    /// Makes everything added visible at once. A duplicate ID number or household code that
    /// slipped past the checks fails here, when the unique indexes are rebuilt, and then
    /// nothing is kept.
    /// Commits the load and the audit entry that records it (made from the persons and
    /// households added) in one transaction.
    pub async fn commit(
        mut self,
        audit: impl FnOnce(u64, u64) -> crate::NewAuditEntry,
    ) -> Result<(u64, u64)> {
        let counts = (self.persons_added, self.households_added);
        self.send(Job::Commit(vec![audit(counts.0, counts.1)]))
            .await?;
        self.jobs = None;
        let started = std::time::Instant::now();
        match self.writer.take() {
            Some(handle) => handle
                .await
                .map_err(|e| StoreError::Corrupt(format!("the load's writer failed: {e}")))??,
            None => return Err(StoreError::Corrupt("the load has already failed".into())),
        }
        tracing::info!(seconds = started.elapsed().as_secs_f64(), "load committed");
        self.store
            .analyze(&["household", "person", "person_version"])
            .await?;
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
        buf.clear();
        write_copy_cell(&mut buf, &Cell::Text("张三 O'Brien, 1/2".into()));
        assert_eq!(buf, "张三 O'Brien, 1/2");
    }

    #[test]
    fn iso_dates_are_what_chrono_prints() {
        for (y, m, d) in [(1900, 1, 1), (2025, 6, 30), (1999, 12, 9), (2000, 2, 29)] {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(IsoDate::new(date).as_str(), date.to_string());
        }
    }

    #[test]
    fn insert_sql_has_one_placeholder_per_cell() {
        let sql = insert_sql(&HOUSEHOLD, 3);
        assert_eq!(sql.matches('?').count(), 12);
    }
}
