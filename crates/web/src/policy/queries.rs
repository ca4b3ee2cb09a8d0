//! What a signed-in person asks of policy analysis, answered within their scope and audited where
//! the rules require it. Pages and endpoints are thin shells over these.

use minsheng_core::access::Duty;
use minsheng_core::{MoneyError, Month};

use crate::error::WebError;
use crate::policy::view::{ImpactRow, ProgramImpact, WhatIfView};
use crate::queries::require;
use crate::session::Signed;
use crate::Web;

/// A reform over the whole city: `changes` are `KEY=VALUE` or `KEY=+5%` on parameters.
pub async fn what_if(
    web: &Web,
    who: &Signed,
    month: Month,
    changes: &[String],
) -> Result<WhatIfView, WebError> {
    require(who, Duty::SimulatePolicy)?;
    if changes.is_empty() {
        return Err(WebError::invalid(
            "changes",
            "至少给出一项参数变更，例如 dibao.standard.urban=+5%",
        ));
    }
    let done = minsheng_app::policy::what_if(
        &web.store,
        &web.policy,
        month,
        changes,
        &minsheng_app::Quiet,
    )
    .await
    .map_err(|e| match e {
        minsheng_app::policy::WhatIfError::Change(reason) => WebError::invalid("changes", reason),
        minsheng_app::policy::WhatIfError::Store(e) => e.into(),
        // The reform's values make the city's totals leave the range of fen.
        minsheng_app::policy::WhatIfError::Money(e) => WebError::invalid("changes", e.to_string()),
    })?;
    let city = minsheng_app::policy::CITY;
    let programs = done
        .simulation
        .programs
        .iter()
        .map(|(program, districts)| {
            let variable = web
                .policy
                .variable(program)
                .and_then(|id| web.policy.variables.get(id));
            let one_off = variable.is_some_and(|v| v.one_off);
            // Districts in code order, the city last.
            let rows = districts
                .iter()
                .filter(|(d, _)| d.as_str() != city)
                .chain(districts.iter().filter(|(d, _)| d.as_str() == city))
                .map(|(district, l)| {
                    let yearly_change_fen = match one_off {
                        true => None,
                        // A year of the reform's change leaving the range of fen is
                        // the reform's fault, as its monthly totals would be.
                        false => Some(l.yearly_change().ok_or_else(|| {
                            WebError::invalid("changes", MoneyError::TooLarge.to_string())
                        })?),
                    };
                    Ok(ImpactRow {
                        district_name: done
                            .district_names
                            .get(district)
                            .cloned()
                            .unwrap_or_else(|| district.clone()),
                        district: district.clone(),
                        beneficiaries_before: l.beneficiaries_before,
                        beneficiaries_after: l.beneficiaries_after,
                        monthly_before_fen: l.monthly_before,
                        monthly_after_fen: l.monthly_after,
                        yearly_change_fen,
                        gaining: l.gaining,
                        losing: l.losing,
                        newly_eligible: l.newly_eligible,
                    })
                })
                .collect::<Result<Vec<_>, WebError>>()?;
            Ok(ProgramImpact {
                program: program.clone(),
                label: variable.map(|v| v.label.clone()).unwrap_or_default(),
                rows,
            })
        })
        .collect::<Result<Vec<_>, WebError>>()?;
    Ok(WhatIfView {
        month: month.to_string(),
        changes: changes.to_vec(),
        households: done.households as u64,
        persons: done.persons as u64,
        programs,
        undefined: done.simulation.undefined as u64,
        seconds: done.elapsed.as_secs_f64(),
    })
}

/// Changes as a form or a query gives them: one per line or comma-separated.
pub fn changes(text: &str) -> Vec<String> {
    text.split(['\n', ','])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(String::from)
        .collect()
}
