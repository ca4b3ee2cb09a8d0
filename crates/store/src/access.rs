//! Accounts, sessions and API tokens of the web service, and the area scope that every query
//! made for someone carries in its `WHERE` clause.

use chrono::{DateTime, Utc};
use minsheng_core::access::{Account, Role, Scope, Staff};
use minsheng_core::{AreaCode, AreaLevel, IdNumber};

use crate::bulk::{micros, Tx};
use crate::registry::{corrupt, Columns};
use crate::{on_tx, with_pool, NewAuditEntry, Result, Store, StoreError};

/// The SQL condition that household `h` lies within `scope`, with parameter `$n` and the
/// value to bind to it.
pub fn scope_condition(scope: &Scope, n: usize) -> (String, String) {
    scope_on(scope, "h.area_code", "h.id", n)
}

/// Longer than any area code's digits after its shortest scope prefix.
const AREA_CODE_NINES: &str = "999999999999";

/// The same for rows that carry their own area and household columns (entitlements,
/// monitoring counts): `area` and `household` name them.
pub fn scope_on(scope: &Scope, area: &str, household: &str, n: usize) -> (String, String) {
    match scope {
        // Every query binds its parameter; here it is simply true.
        Scope::Everything => (format!("${n} = ''"), String::new()),
        // A range rather than `LIKE 'prefix%'`: an index on the area serves it on both
        // backends, and SQLite prepares a statement with a bound LIKE pattern again at every
        // execution. Area codes are digits, so no code below the prefix passes its nines.
        Scope::Area(code) => (
            format!("({area} >= ${n} AND {area} <= ${n} || '{AREA_CODE_NINES}')"),
            code.scope_prefix().to_string(),
        ),
        Scope::Resident(id) => (
            format!(
                "{household} IN (SELECT rv.household_id FROM person rp \
                 JOIN person_version rv ON rv.person_id = rp.id \
                 AND rv.superseded_at IS NULL AND rv.valid_to IS NULL \
                 WHERE rp.id_number = ${n})"
            ),
            id.as_str().to_string(),
        ),
        // The bound empty string is never non-empty: no row is within.
        Scope::Nothing => (format!("${n} <> ''"), String::new()),
    }
}

/// Who an account belongs to, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountHolder {
    Staff(String),
    Resident(IdNumber),
}

/// A household found by a registry search, with the member that matched (or, on a service
/// provider's roster, an older resident and their household).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdHit {
    pub household: String,
    pub area: String,
    pub name: String,
    pub id_number: IdNumber,
}

/// A member of a household, as a search or a roster lists them (`code`, `area_code`, `name`,
/// `id_number` columns).
fn decode_hit(r: &impl Columns) -> Result<HouseholdHit> {
    Ok(HouseholdHit {
        household: r.text("code")?,
        area: r.text("area_code")?,
        name: r.text("name")?,
        id_number: IdNumber::parse(&r.text("id_number")?).map_err(|e| corrupt("id_number", e))?,
    })
}

/// A signed-in session, as found by its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub login: String,
    pub account: Account,
    pub csrf_token: String,
}

const ACCOUNT_COLUMNS: &str = "a.login, a.staff_name, a.id_number, s.role, s.area_code, \
    (SELECT p.name FROM person p WHERE p.id_number = a.id_number) AS resident_name";

fn decode_account(r: &impl Columns) -> Result<Account> {
    if let Some(name) = r.opt_text("staff_name")? {
        let role =
            minsheng_core::access::Role::parse(&r.text("role")?).map_err(|e| corrupt("role", e))?;
        let area = minsheng_core::AreaCode::parse(&r.text("area_code")?)
            .map_err(|e| corrupt("area_code", e))?;
        return Ok(Account::Staff(Staff { name, role, area }));
    }
    let id = r
        .opt_text("id_number")?
        .ok_or_else(|| corrupt("account", "neither staff nor resident"))?;
    let id_number = IdNumber::parse(&id).map_err(|e| corrupt("id_number", e))?;
    let name = r
        .opt_text("resident_name")?
        .unwrap_or_else(|| id_number.masked());
    Ok(Account::Resident { id_number, name })
}

impl Store {
    pub async fn add_staff(&self, staff: &Staff, by: &str, at: DateTime<Utc>) -> Result<()> {
        with_pool!(self, pool => {
            let area: Option<String> = sqlx::query_scalar("SELECT code FROM area WHERE code = $1")
                .bind(staff.area.as_str())
                .fetch_optional(pool)
                .await?;
            if area.is_none() {
                return Err(StoreError::invalid("area", format!("区域 {} 未登记", staff.area)));
            }
            let known: Option<String> = sqlx::query_scalar("SELECT name FROM staff WHERE name = $1")
                .bind(&staff.name)
                .fetch_optional(pool)
                .await?;
            if known.is_some() {
                return Err(StoreError::conflict("name", format!("{} 已在工作人员名册中", staff.name)));
            }
            sqlx::query("INSERT INTO staff (name, role, area_code, added_at, added_by) VALUES ($1, $2, $3, $4, $5)")
                .bind(&staff.name)
                .bind(staff.role.as_str())
                .bind(staff.area.as_str())
                .bind(micros(at))
                .bind(by)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn staff(&self, name: &str) -> Result<Option<Staff>> {
        with_pool!(self, pool => {
            let row = sqlx::query("SELECT name, role, area_code FROM staff WHERE name = $1")
                .bind(name)
                .fetch_optional(pool)
                .await?;
            row.map(|r| {
                Ok(Staff {
                    name: r.text("name")?,
                    role: minsheng_core::access::Role::parse(&r.text("role")?).map_err(|e| corrupt("role", e))?,
                    area: AreaCode::parse(&r.text("area_code")?).map_err(|e| corrupt("area_code", e))?,
                })
            })
            .transpose()
        })
    }

    /// The staff of `roles` who work over `area` (in it or in an area containing it), by name:
    /// those who may be sent to it — a household survey's team is picked from them.
    pub async fn staff_over(&self, area: &AreaCode, roles: &[Role]) -> Result<Vec<Staff>> {
        let roles: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        with_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT name, role, area_code FROM staff WHERE $1 LIKE area_code || '%' ORDER BY name",
            )
            .bind(area.as_str())
            .fetch_all(pool)
            .await?;
            let mut staff = Vec::new();
            for r in rows {
                let role = Role::parse(&r.text("role")?).map_err(|e| corrupt("role", e))?;
                if roles.contains(&role.as_str()) {
                    staff.push(Staff {
                        name: r.text("name")?,
                        role,
                        area: AreaCode::parse(&r.text("area_code")?).map_err(|e| corrupt("area_code", e))?,
                    });
                }
            }
            Ok(staff)
        })
    }

    /// Creates an account; the login must be new, a staff member must be on the staff, a
    /// resident must be in the registry.
    pub async fn add_account(
        &self,
        login: &str,
        password_hash: &str,
        holder: &AccountHolder,
        by: &str,
        at: DateTime<Utc>,
        audit: &NewAuditEntry,
    ) -> Result<()> {
        let invalid = |field: &str, reason: String| StoreError::Invalid {
            field: field.into(),
            reason,
        };
        if login.trim().is_empty() || login.trim() != login {
            return Err(invalid("login", "不能为空，首尾不能有空格".into()));
        }
        let (staff_name, id_number) = match holder {
            AccountHolder::Staff(name) => {
                if self.staff(name).await?.is_none() {
                    return Err(invalid("staff", format!("{name} 不在工作人员名册中")));
                }
                (Some(name.as_str()), None)
            }
            AccountHolder::Resident(id) => {
                if self.registered_id_numbers(&[id.as_str()]).await?.is_empty() {
                    return Err(invalid("id_number", format!("{id} 未在一人一档中登记")));
                }
                (None, Some(id.as_str()))
            }
        };
        let mut tx = Tx::write_only(self).await?;
        on_tx!(&mut tx, conn => {
            let known: Option<String> = sqlx::query_scalar("SELECT login FROM account WHERE login = $1")
                .bind(login)
                .fetch_optional(&mut *conn)
                .await?;
            if known.is_some() {
                return Err(StoreError::Conflict {
                    field: "login".into(),
                    reason: format!("{login} 已有账号"),
                });
            }
            sqlx::query(
                "INSERT INTO account (login, password_hash, staff_name, id_number, created_at, created_by) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(login)
            .bind(password_hash)
            .bind(staff_name)
            .bind(id_number)
            .bind(micros(at))
            .bind(by)
            .execute(&mut *conn)
            .await?;
        });
        tx.append_audit(std::slice::from_ref(audit)).await?;
        tx.commit().await
    }

    /// An account's password hash and holder, by login.
    pub async fn account(&self, login: &str) -> Result<Option<(String, Account)>> {
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS}, a.password_hash FROM account a \
             LEFT JOIN staff s ON s.name = a.staff_name WHERE a.login = $1"
        );
        with_pool!(self, pool => {
            match sqlx::query(&sql).bind(login).fetch_optional(pool).await? {
                Some(r) => Ok(Some((r.text("password_hash")?, decode_account(&r)?))),
                None => Ok(None),
            }
        })
    }

    pub async fn add_session(
        &self,
        token_sha256: &str,
        login: &str,
        csrf_token: &str,
        at: DateTime<Utc>,
        expires: DateTime<Utc>,
        audit: &NewAuditEntry,
    ) -> Result<()> {
        let mut tx = Tx::write_only(self).await?;
        on_tx!(&mut tx, conn => {
            // Expired sessions go when someone signs in: the table stays the size of the day.
            sqlx::query("DELETE FROM web_session WHERE expires_at < $1")
                .bind(micros(at))
                .execute(&mut *conn)
                .await?;
            sqlx::query(
                "INSERT INTO web_session (token_sha256, login, csrf_token, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_sha256)
            .bind(login)
            .bind(csrf_token)
            .bind(micros(at))
            .bind(micros(expires))
            .execute(&mut *conn)
            .await?;
        });
        tx.append_audit(std::slice::from_ref(audit)).await?;
        tx.commit().await
    }

    /// The session of a token, if it has not expired at `now`.
    pub async fn session(
        &self,
        token_sha256: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionRecord>> {
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS}, w.csrf_token FROM web_session w \
             JOIN account a ON a.login = w.login LEFT JOIN staff s ON s.name = a.staff_name \
             WHERE w.token_sha256 = $1 AND w.expires_at > $2"
        );
        with_pool!(self, pool => {
            match sqlx::query(&sql).bind(token_sha256).bind(micros(now)).fetch_optional(pool).await? {
                Some(r) => Ok(Some(SessionRecord {
                    login: r.text("login")?,
                    account: decode_account(&r)?,
                    csrf_token: r.text("csrf_token")?,
                })),
                None => Ok(None),
            }
        })
    }

    pub async fn end_session(&self, token_sha256: &str, audit: &NewAuditEntry) -> Result<()> {
        let mut tx = Tx::write_only(self).await?;
        on_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM web_session WHERE token_sha256 = $1")
                .bind(token_sha256)
                .execute(&mut *conn)
                .await?;
        });
        tx.append_audit(std::slice::from_ref(audit)).await?;
        tx.commit().await
    }

    pub async fn add_api_token(
        &self,
        token_sha256: &str,
        login: &str,
        label: &str,
        at: DateTime<Utc>,
        audit: &NewAuditEntry,
    ) -> Result<()> {
        let mut tx = Tx::write_only(self).await?;
        on_tx!(&mut tx, conn => {
            sqlx::query("INSERT INTO api_token (token_sha256, login, label, created_at) VALUES ($1, $2, $3, $4)")
                .bind(token_sha256)
                .bind(login)
                .bind(label)
                .bind(micros(at))
                .execute(&mut *conn)
                .await?;
        });
        tx.append_audit(std::slice::from_ref(audit)).await?;
        tx.commit().await
    }

    /// The account an API token acts for.
    pub async fn api_token(&self, token_sha256: &str) -> Result<Option<(String, Account)>> {
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM api_token t JOIN account a ON a.login = t.login \
             LEFT JOIN staff s ON s.name = a.staff_name WHERE t.token_sha256 = $1"
        );
        with_pool!(self, pool => {
            match sqlx::query(&sql).bind(token_sha256).fetch_optional(pool).await? {
                Some(r) => Ok(Some((r.text("login")?, decode_account(&r)?))),
                None => Ok(None),
            }
        })
    }

    /// Households within `scope` that match `query` — a household code, a member's ID number or
    /// a member's name, exactly; within a district or less (or a resident's household) also
    /// the last 4 to 17 characters of an ID number, or the first two or more characters of a
    /// name or of its given name (王秀 or 秀英 find 王秀英) — one row per matching member, a
    /// page at a time, with the number of rows on all pages.
    ///
    /// Names and ID tails are read from `resident_search` (migration 0033) by an index whose key
    /// is the typed name's (or given name's) first two characters or the number's last four,
    /// then the area, then the whole name or number: the scope is a range within one key, a
    /// search counts its matches from that index alone and reads only its page's rows, whatever
    /// the city holds. Matches are listed by area, then by name (or number). A part shorter
    /// than two characters is no search: one character is the surname of a tenth of the city.
    /// The city's accounts search exactly: what they look for they know in full.
    pub async fn search_households(
        &self,
        query: &str,
        scope: &Scope,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<HouseholdHit>, u64)> {
        let query = query.trim();
        let page = Page {
            scope,
            limit,
            offset,
        };
        // A household code or an ID number: a household's members, found through the registry's
        // own unique keys.
        let exact = self
            .search_where(
                &[
                    "r.person_id IN (SELECT id FROM person WHERE id_number = $2 \
                   UNION SELECT ev.person_id FROM household eh \
                   JOIN person_version ev ON ev.household_id = eh.id WHERE eh.code = $1)",
                ],
                &[query, &query.to_ascii_uppercase()],
                BY_NAME,
                &page,
            )
            .await?;
        if exact.1 > 0 {
            return Ok(exact);
        }
        // A whole name by its first two characters' index, which holds the name after the area.
        // BETWEEN, not `=`: given `r.name = $2`, SQLite puts $2 in place of `r.name` elsewhere
        // (constant propagation), `substr($2, 1, 2)` is no longer the index's expression, and it
        // read the whole table.
        let first_two: String = query.chars().take(2).collect();
        let named = self
            .search_where(
                &["substr(r.name, 1, 2) = $1 AND r.name BETWEEN $2 AND $2"],
                &[&first_two, query],
                BY_NAME,
                &page,
            )
            .await?;
        if named.1 > 0 {
            return Ok(named);
        }
        let citywide = matches!(scope, Scope::Area(a) if a.level() == AreaLevel::City);
        if citywide {
            return Ok(named);
        }
        // LIKE's wildcards are taken out of what was typed: they are in no name or number.
        let typed: String = query.chars().filter(|c| !matches!(c, '%' | '_')).collect();
        let length = typed.chars().count();
        // The expressions are those of the indexes, character for character. What was typed
        // beyond the indexed characters is matched by LIKE on the whole name or number, which
        // the index holds after the area: the match never reads a row.
        if (4..=17).contains(&length)
            && typed
                .chars()
                .all(|c| c.is_ascii_digit() || c == 'X' || c == 'x')
        {
            let tail = typed.to_ascii_uppercase();
            let last_four: String = tail.chars().skip(length - 4).collect();
            let ends = "substr(r.id_number, 15) = $1";
            return match length {
                4 => self.search_where(&[ends], &[&tail], BY_NUMBER, &page).await,
                _ => {
                    let ends = format!("{ends} AND r.id_number LIKE $2");
                    let pattern = format!("%{tail}");
                    self.search_where(&[&ends], &[&last_four, &pattern], BY_NUMBER, &page)
                        .await
                }
            };
        }
        if length >= 2 && !typed.chars().any(|c| c.is_ascii_digit()) {
            let first_two: String = typed.chars().take(2).collect();
            let (name, given) = ("substr(r.name, 1, 2) = $1", "substr(r.name, 2, 2) = $1");
            return match length {
                2 => {
                    self.search_where(&[name, given], &[&typed], BY_NAME, &page)
                        .await
                }
                _ => {
                    let name = format!("{name} AND r.name LIKE $2");
                    let given = format!("{given} AND substr(r.name, 2) LIKE $2");
                    let pattern = format!("{typed}%");
                    self.search_where(&[&name, &given], &[&first_two, &pattern], BY_NAME, &page)
                        .await
                }
            };
        }
        Ok(named)
    }

    /// One page of the current residents within the page's scope that meet any of `matching`
    /// (conditions on `resident_search r` over `$1`… bound to `values`) in `order`, with how
    /// many do. The count is read from the conditions' indexes; so is the page, where `order`
    /// is the index's own after its first key, and then only the page's rows are read whole.
    async fn search_where(
        &self,
        matching: &[&str],
        values: &[&str],
        order: &str,
        page: &Page<'_>,
    ) -> Result<(Vec<HouseholdHit>, u64)> {
        let (within, bound) = scope_on(
            page.scope,
            "r.area_code",
            "r.household_id",
            values.len() + 1,
        );
        let matches = matching
            .iter()
            .map(|m| format!("SELECT r.person_id FROM resident_search r WHERE {m} AND {within}"))
            .collect::<Vec<_>>()
            .join(" UNION ");
        let count = format!("SELECT COUNT(*) FROM ({matches}) m");
        // One condition is read in its index's order, up to the page's end; several are
        // gathered first.
        let rows = match matching {
            [one] => format!("{one} AND {within}"),
            _ => format!("r.person_id IN ({matches})"),
        };
        let list = format!(
            "SELECT r.household_code AS code, r.area_code, r.name, r.id_number \
             FROM resident_search r WHERE {rows} ORDER BY {order} LIMIT {} OFFSET {}",
            page.limit, page.offset
        );
        with_pool!(self, pool => {
            let mut counting = sqlx::query_scalar(&count);
            for value in values {
                counting = counting.bind(*value);
            }
            let total: i64 = counting.bind(&bound).fetch_one(pool).await?;
            if total == 0 {
                return Ok((Vec::new(), 0));
            }
            let mut listing = sqlx::query(&list);
            for value in values {
                listing = listing.bind(*value);
            }
            let hits = listing
                .bind(&bound)
                .fetch_all(pool)
                .await?
                .iter()
                .map(decode_hit)
                .collect::<Result<Vec<_>>>()?;
            Ok((hits, u64::try_from(total).unwrap_or(0)))
        })
    }
}

/// A search's order: by area, then as the index found them (names, or ID numbers).
const BY_NAME: &str = "r.area_code, r.name, r.person_id";
const BY_NUMBER: &str = "r.area_code, r.id_number";

/// Which page of a search, within whose scope.
struct Page<'a> {
    scope: &'a Scope,
    limit: u32,
    offset: u32,
}

/// Adds to `resident_search` the rows of current residents chosen by `condition` over their
/// current version `v`. One statement for every writer of the registry, so that the rows are
/// always derived alike.
fn search_rows(condition: &str) -> String {
    format!(
        "INSERT INTO resident_search \
         (person_id, household_id, household_code, area_code, name, id_number) \
         SELECT v.person_id, h.id, h.code, h.area_code, p.name, p.id_number \
         FROM person_version v JOIN person p ON p.id = v.person_id \
         JOIN household h ON h.id = v.household_id \
         WHERE v.superseded_at IS NULL AND v.valid_to IS NULL AND {condition}"
    )
}

/// The search rows of the persons a load registered: those numbered above `persons_before`.
pub(crate) fn search_rows_after(persons_before: i64) -> String {
    search_rows(&format!("v.person_id > {persons_before}"))
}

/// Replaces the search row of person `person_id` within `tx`, after a change to their versions:
/// a move to another household, a death (no current version: no row).
pub(crate) async fn refresh_search_row(tx: &mut Tx, person_id: i64) -> Result<()> {
    let insert = search_rows("v.person_id = $1");
    on_tx!(&mut *tx, conn => {
        sqlx::query("DELETE FROM resident_search WHERE person_id = $1")
            .bind(person_id)
            .execute(&mut *conn)
            .await?;
        sqlx::query(&insert).bind(person_id).execute(&mut *conn).await?;
    });
    Ok(())
}

impl Store {
    /// The residents of `area` and below, alive on `on` and born on or before `born_by`
    /// (the youngest age a service is for), a page of them by area and ID number, with their
    /// number: a service provider's roster.
    pub async fn service_roster(
        &self,
        area: &minsheng_core::AreaCode,
        on: chrono::NaiveDate,
        born_by: chrono::NaiveDate,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<HouseholdHit>, u64)> {
        let (within, bound) = scope_condition(&Scope::Area(area.clone()), 3);
        let from = format!(
            "FROM person p \
             JOIN person_version v ON v.person_id = p.id AND v.superseded_at IS NULL AND v.valid_to IS NULL \
             JOIN household h ON h.id = v.household_id \
             WHERE p.birth_date <= $1 AND (v.death_date IS NULL OR v.death_date > $2) AND {within}"
        );
        let list = format!(
            "SELECT h.code, h.area_code, p.name, p.id_number {from} \
             ORDER BY h.area_code, h.code, p.id_number LIMIT {limit} OFFSET {offset}"
        );
        let count = format!("SELECT COUNT(*) {from}");
        with_pool!(self, pool => {
            let total: i64 = sqlx::query_scalar(&count)
                .bind(born_by)
                .bind(on)
                .bind(&bound)
                .fetch_one(pool)
                .await?;
            let entries = sqlx::query(&list)
                .bind(born_by)
                .bind(on)
                .bind(&bound)
                .fetch_all(pool)
                .await?
                .iter()
                .map(decode_hit)
                .collect::<Result<Vec<_>>>()?;
            Ok((entries, u64::try_from(total).unwrap_or(0)))
        })
    }
}
