//! What the pages and the API show of the dashboard: serialisable views, ID numbers masked unless
//! revealed.

use serde::Serialize;
use utoipa::ToSchema;

use crate::assistance::view::MonitoringView;
use crate::payments::view::TotalView;

#[derive(Debug, Serialize, ToSchema)]
pub struct Dashboard {
    pub from: String,
    pub to: String,
    pub totals: Vec<TotalView>,
    /// The last sweep of `to`, if any, summed over the account's area.
    pub monitoring: Vec<MonitoringView>,
    pub open_cases: u64,
    pub overdue_cases: u64,
    /// Years whose holiday notice is not loaded yet and is wanted: this year, next year from
    /// November (when the State Council publishes it), and any year an open case's deadline
    /// runs into. Deadlines there are counted on the Monday–Friday rule, provisionally, until
    /// the city administrator loads the notice.
    pub calendar_missing: Vec<i32>,
    /// Elderly care by the areas one level below the account's (districts for the city, streets
    /// for a district, communities for a street): visiting coverage today and the latest
    /// 15-minute circle.
    pub elderly: Vec<ElderlyCoverageView>,
    /// The day the latest 15-minute circle was computed for, if it has been.
    pub circle_as_of: Option<String>,
}

/// One area's elderly-care coverage on the dashboard.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ElderlyCoverageView {
    pub area: String,
    pub area_name: String,
    /// Older residents on the visiting roster, those visited within their interval, those
    /// overdue, and those overdue past the delay and reported to the street.
    pub listed: u64,
    pub visited_in_time: u64,
    pub overdue: u64,
    pub escalated: u64,
    /// Older residents in the latest circle, and those within 15 minutes' walk of a service
    /// point.
    pub elders: u64,
    pub within_reach: u64,
}

impl ElderlyCoverageView {
    fn share(part: u64, whole: u64) -> String {
        let p = minsheng_eldercare::circle::permille(part, whole);
        format!("{}.{}%", p / 10, p % 10)
    }

    /// Visited within their interval, of those listed.
    pub fn visited_share(&self) -> String {
        Self::share(self.visited_in_time, self.listed)
    }

    /// Within 15 minutes' walk, of the older residents.
    pub fn reach_share(&self) -> String {
        Self::share(self.within_reach, self.elders)
    }
}

/// The districts side by side, month by month: one row a district, one column a month, each
/// cell the net paid to the fen (every program together), shaded by its quarter of the largest
/// cell so that a district falling behind its neighbours shows at a glance. The table is the
/// chart and its data at once.
#[derive(Debug, PartialEq, Eq)]
pub struct Comparison {
    /// The months that have any payment, oldest first.
    pub months: Vec<String>,
    pub rows: Vec<ComparedDistrict>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct ComparedDistrict {
    pub name: String,
    /// One per month of [`Comparison::months`]: the amount shown, and the cell's shade
    /// (0 not paid, 1–4 by quarters of the largest cell).
    pub cells: Vec<(String, u8)>,
    /// The district's whole period.
    pub total: String,
}

impl Comparison {
    /// From the payment totals (month × program × district); districts in code order.
    pub fn of(totals: &[TotalView]) -> Result<Comparison, minsheng_core::MoneyError> {
        use minsheng_core::Fen;
        use std::collections::BTreeMap;
        let mut months: Vec<String> = totals.iter().map(|t| t.month.clone()).collect();
        months.sort();
        months.dedup();
        // district code → (name, month → net)
        let mut sums: BTreeMap<&str, (&str, BTreeMap<&str, Fen>)> = BTreeMap::new();
        for t in totals {
            let (_, by_month) = sums
                .entry(t.district.as_str())
                .or_insert((t.district_name.as_str(), BTreeMap::new()));
            let cell = by_month.entry(t.month.as_str()).or_insert(Fen::ZERO);
            *cell = cell
                .checked_add(t.net_fen)
                .ok_or(minsheng_core::MoneyError::TooLarge)?;
        }
        let largest = sums
            .values()
            .flat_map(|(_, by_month)| by_month.values().map(|f| f.0))
            .max()
            .unwrap_or(0);
        let rows = sums
            .into_values()
            .map(|(name, by_month)| {
                Ok(ComparedDistrict {
                    name: name.to_string(),
                    cells: months
                        .iter()
                        .map(|m| match by_month.get(m.as_str()) {
                            Some(net) => (net.grouped(), crate::charts::heat(net.0, largest)),
                            None => ("—".to_string(), 0),
                        })
                        .collect(),
                    total: Fen::total(by_month.values().copied())?.grouped(),
                })
            })
            .collect::<Result<Vec<_>, minsheng_core::MoneyError>>()?;
        Ok(Comparison { months, rows })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minsheng_core::Fen;

    fn paid(month: &str, program: &str, district: &str, name: &str, fen: i64) -> TotalView {
        TotalView {
            month: month.into(),
            program: program.into(),
            district: district.into(),
            district_name: name.into(),
            payees: 1,
            net_fen: Fen(fen),
        }
    }

    #[test]
    fn districts_are_compared_month_by_month_to_the_fen() {
        let totals = [
            paid("2027-02", "dibao", "370203", "市北区", 10_000_000),
            paid("2027-01", "dibao", "370203", "市北区", 9_800_001),
            paid("2027-01", "tekun_basic", "370203", "市北区", 200_000),
            paid("2027-02", "dibao", "370202", "市南区", 5_000_000),
        ];
        let c = Comparison::of(&totals).unwrap();
        assert_eq!(c.months, ["2027-01", "2027-02"]);
        // In code order: 市南 (370202) before 市北 (370203).
        assert_eq!(c.rows[0].name, "市南区");
        // A month a district was not paid is a dash, not a zero that would read as paid nothing.
        assert_eq!(c.rows[0].cells[0], ("—".to_string(), 0));
        assert_eq!(c.rows[0].cells[1].0, "50,000.00");
        // Programs are added together, to the fen; the row's total is its months' sum.
        assert_eq!(c.rows[1].cells[0].0, "100,000.01");
        assert_eq!(c.rows[1].cells[1].0, "100,000.00");
        assert_eq!(c.rows[1].total, "200,000.01");
        // The largest cell is the darkest.
        assert_eq!(c.rows[1].cells[0].1, 4);
        assert_eq!(c.rows[1].cells[1].1, 4);
        assert_eq!(c.rows[0].cells[1].1, 2);
    }

    #[test]
    fn an_amount_beyond_the_range_of_fen_is_an_error_not_a_wrapped_sum() {
        let totals = [
            paid("2027-01", "dibao", "370203", "市北区", i64::MAX),
            paid("2027-01", "tekun_basic", "370203", "市北区", 1),
        ];
        assert!(Comparison::of(&totals).is_err());
    }

    #[test]
    fn nothing_paid_compares_nothing() {
        let c = Comparison::of(&[]).unwrap();
        assert!(c.months.is_empty() && c.rows.is_empty());
    }
}
