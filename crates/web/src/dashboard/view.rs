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
}
