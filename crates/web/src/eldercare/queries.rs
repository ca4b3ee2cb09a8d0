//! What a signed-in person asks of elderly care, answered within their scope and audited where the
//! rules require it. Pages and endpoints are thin shells over these.

use minsheng_app::Clock;
use minsheng_core::access::Scope;
use minsheng_core::Month;

use crate::eldercare::view::{RosterPage, RosterPersonView};
use crate::error::WebError;
use crate::registry::queries::read_entry;
use crate::session::Signed;
use crate::Web;

/// A service provider's roster: the older residents of its area and what the rules grant each
/// of them for services in `month`, a page at a time. Reading it is audited, like any list of
/// named people shown outside the bureau.
pub async fn roster(
    web: &Web,
    who: &Signed,
    month: Month,
    page: u32,
    per_page: u32,
    clock: Clock,
) -> Result<RosterPage, WebError> {
    let Some(area) = who.account.service_area() else {
        return Err(WebError::Forbidden(
            "the service roster is for service providers".into(),
        ));
    };
    let on = month.first_day();
    // Who is listed and what is shown: the catalog's `roster.yaml`.
    let Some(names) = &web.policy.roster else {
        return Err(WebError::Internal("the policy has no roster.yaml".into()));
    };
    let from_age = web
        .policy
        .count(&names.from_age, on)
        .ok_or_else(|| WebError::Internal(format!("no {} on {on}", names.from_age)))?;
    let born_by = on
        .checked_sub_months(chrono::Months::new(12 * from_age))
        .ok_or_else(|| WebError::invalid("month", "too early"))?;
    let (entries, total) = web
        .store
        .service_roster(
            area,
            on,
            born_by,
            per_page,
            (page - 1).saturating_mul(per_page),
        )
        .await?;
    web.audit
        .record(read_entry(
            who,
            "read_service_roster",
            area.as_str(),
            format!("month={month} page={page} via=web"),
            clock,
        ))
        .await?;
    let (canteen, delivered, rural) = (
        names.canteen_meal,
        names.delivered_meal,
        names.rural_consumption,
    );
    let scope = Scope::Area(area.clone());
    let mut items = Vec::with_capacity(entries.len());
    // The roster is ordered by household: each household is read and evaluated once for
    // all its older members on the page.
    for group in entries.chunk_by(|a, b| a.household == b.household) {
        let Some(first) = group.first() else {
            continue;
        };
        let file = web
            .store
            .household_file_within(&first.household, &scope)
            .await?;
        let members = file.as_of(on, clock.now);
        let mut evaluation =
            minsheng_policy::Evaluation::of_household(&web.policy, month, &members, false);
        let living_together = members
            .iter()
            .filter(|(_, f)| f.lives_together && f.death_date.is_none())
            .count();
        for entry in group {
            let Some(index) = members
                .iter()
                .position(|(p, _)| p.id_number == entry.id_number)
            else {
                continue;
            };
            let mut fen = |id| match evaluation.variable(id, Some(index)) {
                Ok(minsheng_policy::Value::Money(amount)) => amount,
                _ => minsheng_core::Fen::ZERO,
            };
            let Some(&(person, facts)) = members.get(index) else {
                continue;
            };
            items.push(RosterPersonView {
                name: entry.name.clone(),
                id_number: entry.id_number.masked(),
                sex: person.sex().label_zh().into(),
                age: minsheng_core::registry::describe::age(person.birth_date(), on),
                area: entry.area.clone(),
                lives_alone: facts.lives_together && living_together == 1,
                canteen_meal_fen: fen(canteen),
                delivered_meal_fen: fen(delivered),
                rural_consumption_fen: fen(rural),
            });
        }
    }
    Ok(RosterPage {
        area: area.to_string(),
        month: month.to_string(),
        from_age,
        items,
        total,
        page,
        per_page,
    })
}
