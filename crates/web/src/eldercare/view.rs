//! What the pages and the API show of elderly care: serialisable views, ID numbers masked unless
//! revealed.

use minsheng_core::Fen;
use serde::Serialize;
use utoipa::ToSchema;

/// An older resident on a service provider's roster, with what the rules grant them for
/// services: nothing of income, assets or cases.
#[derive(Debug, Serialize, ToSchema)]
pub struct RosterPersonView {
    pub name: String,
    /// Masked: a provider never sees a full ID number.
    pub id_number: String,
    pub sex: String,
    pub age: i32,
    pub area: String,
    /// No other member of the household lives with them (探访关爱 looks for these).
    pub lives_alone: bool,
    /// Meal-aid subsidy per meal eaten at a canteen (0 when not eligible).
    #[schema(value_type = i64)]
    pub canteen_meal_fen: Fen,
    /// Meal-aid subsidy per meal delivered.
    #[schema(value_type = i64)]
    pub delivered_meal_fen: Fen,
    /// The rural elder-care consumption subsidy's monthly ceiling.
    #[schema(value_type = i64)]
    pub rural_consumption_fen: Fen,
}

impl RosterPersonView {
    pub fn canteen_meal(&self) -> String {
        self.canteen_meal_fen.grouped()
    }
    pub fn delivered_meal(&self) -> String {
        self.delivered_meal_fen.grouped()
    }
    pub fn rural_consumption(&self) -> String {
        self.rural_consumption_fen.grouped()
    }
}

/// A page of a service provider's roster for a month.
#[derive(Debug, Serialize, ToSchema)]
pub struct RosterPage {
    pub area: String,
    pub month: String,
    /// The youngest age on the roster (the meal-aid age in force).
    pub from_age: u32,
    pub items: Vec<RosterPersonView>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}
