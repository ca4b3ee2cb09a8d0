//! `bench pages`: every kind of page a person opens, each loaded on its own from a second process
//! for a few seconds, as the account that uses it: the city's administrator, a district's
//! approver and a street's reviewer, the last two over their own area's households. The target
//! (issue 26): every page's server time p99 ≤ 50 ms on the 10M database.
//!
//! One connection at a time: the latency measured is the server's time for the page (plus the
//! loopback), not a queue.

use anyhow::{bail, Result};
use minsheng_app::Clock;
use minsheng_core::access::Role;
use minsheng_core::{AreaCode, Month};
use minsheng_store::Store;

use crate::bench_web::{bench_token, run_load};

pub struct Tour {
    pub month: Month,
    pub samples: i64,
    pub seconds: u64,
}

/// The households an account works on, and what its people are searched by.
struct Sampled {
    codes: Vec<String>,
    /// A member's whole name, a given name of two or more characters, an ID number's last six.
    names: Vec<String>,
    name_parts: Vec<String>,
    id_tails: Vec<String>,
}

async fn sampled(store: &Store, codes: &[String], within: &AreaCode) -> Result<Sampled> {
    let mut s = Sampled {
        codes: Vec::new(),
        names: Vec::new(),
        name_parts: Vec::new(),
        id_tails: Vec::new(),
    };
    for code in codes {
        let file = store.household_file(code).await?;
        if !file.area.is_within(within) {
            continue;
        }
        s.codes.push(code.clone());
        if let Some(m) = file.members.first() {
            let name = m.person.name.clone();
            // A given name of two characters or more: part of a name as one is searched for.
            let given: String = name.chars().skip(1).collect();
            if given.chars().count() >= 2 {
                s.name_parts.push(given);
            }
            s.names.push(name);
            let id = m.person.id_number.as_str();
            s.id_tails
                .push(id[id.len().saturating_sub(6)..].to_string());
        }
    }
    Ok(s)
}

pub async fn pages(
    store: Store,
    policy: minsheng_policy::Policy,
    tour: Tour,
    clock: Clock,
) -> Result<()> {
    let codes = store.sample_household_codes(tour.samples).await?;
    let Some(first) = codes.first() else {
        bail!("the database has no households: generate a city first");
    };
    let area = store.household_file(first).await?.area;
    let street = AreaCode::parse(&area.as_str()[..9.min(area.as_str().len())])
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let district = area.district().unwrap_or_else(|| area.clone());
    let city = AreaCode::parse("370200").map_err(|e| anyhow::anyhow!("{e}"))?;
    let accounts = [
        ("city", Role::City, city),
        ("district", Role::District, district),
        ("street", Role::Street, street),
    ];
    let mut signed = Vec::new();
    for (who, role, area) in accounts {
        let token = bench_token(&store, &format!("bench-pages-{who}"), role, &area, clock).await?;
        let s = sampled(&store, &codes, &area).await?;
        signed.push((who, token, s));
    }
    let counts = store.counts().await?;
    let store = store.prepare_to_serve().await?;
    let bank = std::env::temp_dir().join(format!("minsheng-bench-pages-{}", std::process::id()));
    std::fs::create_dir_all(&bank)?;
    let web = minsheng_web::Web::new(store.clone(), policy, false, bank);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(minsheng_web::serve_on(web, listener));
    println!(
        "bench pages: {} residents, {} households; {} s a page, one connection, from a second process",
        counts.persons, counts.households, tour.seconds
    );
    println!(
        "  {:<9} {:<34} {:>8} {:>9} {:>9} {:>9} {:>7}",
        "account", "page", "req/s", "p50 ms", "p99 ms", "max ms", "failed"
    );
    let month = tour.month;
    let mut worst: (f64, String) = (0.0, String::new());
    for (who, token, s) in &signed {
        let each = |f: &dyn Fn(&str) -> String, of: &[String]| -> Vec<String> {
            of.iter().map(|x| f(x)).collect()
        };
        let mut kinds: Vec<(&str, Vec<String>)> = vec![
            ("home (inbox)", vec!["/".into()]),
            (
                "search, a whole name",
                each(&|n| format!("/search?q={}", encode(n)), &s.names),
            ),
            ("household", each(&|c| format!("/households/{c}"), &s.codes)),
            (
                "explanation",
                each(
                    &|c| format!("/households/{c}/explain?month={month}"),
                    &s.codes,
                ),
            ),
            (
                "elderly entitlements",
                each(
                    &|c| format!("/eldercare/entitlements?household={c}&member=0"),
                    &s.codes,
                ),
            ),
            ("findings", vec![format!("/findings?month={month}")]),
            (
                "dashboard",
                vec![format!("/dashboard?from={month}&to={month}")],
            ),
            (
                "elderly applications",
                vec!["/eldercare/applications".into()],
            ),
            ("services (by street)", vec!["/services".into()]),
            ("supervision", vec!["/supervision".into()]),
        ];
        if *who == "city" {
            // The city's own pages: the payment cycle and the what-if.
            kinds.push(("payments", vec![format!("/payments?month={month}")]));
            kinds.push(("what-if (the form)", vec!["/what-if".into()]));
        }
        if *who == "street" {
            // Applications are accepted by the street and the community.
            kinds.push((
                "application form",
                each(&|c| format!("/households/{c}/apply"), &s.codes),
            ));
        }
        if *who != "city" {
            // Below the city, a part of a name or an ID number's tail is searched for too.
            kinds.insert(
                2,
                (
                    "search, part of a name",
                    each(&|n| format!("/search?q={}", encode(n)), &s.name_parts),
                ),
            );
            kinds.insert(
                3,
                (
                    "search, an ID number's tail",
                    each(&|t| format!("/search?q={t}"), &s.id_tails),
                ),
            );
        }
        for (page, paths) in kinds {
            if paths.is_empty() {
                println!("  {who:<9} {page:<34} (no sampled household in the area)");
                continue;
            }
            let r = run_load(&url, token, "pages", &paths, tour.seconds, 1).await?;
            println!(
                "  {who:<9} {page:<34} {:>8.0} {:>9.2} {:>9.2} {:>9.1} {:>7}",
                r.requests as f64 / r.seconds,
                r.p50_ms,
                r.p99_ms,
                r.max_ms,
                r.failures
            );
            if r.p99_ms > worst.0 {
                worst = (r.p99_ms, format!("{who} {page}"));
            }
        }
    }
    println!("  the slowest page's p99: {:.2} ms ({})", worst.0, worst.1);
    server.abort();
    Ok(())
}

/// A query's value in a URL: names are Chinese.
fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
