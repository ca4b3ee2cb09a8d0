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
    /// The community's code, and its name.
    pub area: String,
    pub area_name: String,
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
    /// The provider's area: its code, and its name.
    pub area: String,
    pub area_name: String,
    pub month: String,
    /// The youngest age on the roster (the meal-aid age in force).
    pub from_age: u32,
    pub items: Vec<RosterPersonView>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

/// An older person being assessed: who, in words that do not reveal the ID number.
#[derive(Debug, Clone, Serialize)]
pub struct AssessedPersonView {
    pub household: String,
    /// The member's position in the household file, which the form sends back instead of an
    /// ID number (nothing personal in an address), among the members on `on`.
    pub member: usize,
    pub on: String,
    pub name: String,
    pub id_number: String,
    pub age: i64,
}

/// One item of the assessment form, its options best first.
#[derive(Debug, Clone, Serialize)]
pub struct FormItemView {
    pub code: String,
    pub label: String,
    pub options: Vec<(u8, String)>,
    /// The score chosen, when the form comes back with an error.
    pub chosen: Option<u8>,
}

impl FormItemView {
    pub fn is_chosen(&self, score: &u8) -> bool {
        self.chosen == Some(*score)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FormDomainView {
    pub label: String,
    pub items: Vec<FormItemView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FormConditionView {
    pub code: String,
    pub label: String,
    pub is_count: bool,
    pub value: u32,
}

/// The assessor's form (老年人能力评估表), as the catalog's scale declares it.
#[derive(Debug, Clone, Serialize)]
pub struct AssessFormView {
    pub person: AssessedPersonView,
    pub scale_label: String,
    pub reference: String,
    pub domains: Vec<FormDomainView>,
    pub conditions: Vec<FormConditionView>,
    pub assessor: String,
    pub today: String,
    pub reviewer: String,
    pub reason: String,
}

/// A recorded assessment as its report prints: every item's score, the domains, the total, the
/// level and why, and lines to sign.
#[derive(Debug, Clone, Serialize)]
pub struct AssessmentReportView {
    pub id: i64,
    pub person: AssessedPersonView,
    pub scale_label: String,
    pub reference: String,
    pub assessed_on: String,
    pub domains: Vec<ReportDomainView>,
    pub total: i64,
    pub level: String,
    pub explanation: Vec<String>,
    pub assessor: String,
    pub reviewer: String,
    pub reason: String,
    /// The rules that scored it are not today's: the explanation is today's reading.
    pub rules_changed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportDomainView {
    pub label: String,
    pub score: u16,
    pub max: u16,
    /// Item, score, highest score, the option's words.
    pub items: Vec<(String, u8, u8, String)>,
}

/// One item of the basic elderly service list, as the public page and an entitlements page
/// show it.
#[derive(Debug, Serialize)]
pub struct ServiceItemView {
    pub code: String,
    pub label: String,
    pub group: String,
    pub content: String,
    pub standard: String,
    pub provider: String,
    pub funding: String,
    pub reference: String,
    /// The standard or payer is not in the sources; `note` says what stands in for it.
    pub placeholder: bool,
    pub note: String,
}

impl ServiceItemView {
    pub fn of(item: &minsheng_policy::services::ServiceItem) -> ServiceItemView {
        ServiceItemView {
            code: item.code.clone(),
            label: item.label.clone(),
            group: item.group.clone(),
            content: item.content.clone(),
            standard: item.standard.clone(),
            provider: item.provider.clone(),
            funding: item.funding.clone(),
            reference: item.reference.clone(),
            placeholder: item.placeholder,
            note: item.note.clone().unwrap_or_default(),
        }
    }
}

/// One item for one older person: entitled or not, the amounts, and the rule's explanation.
#[derive(Debug, Serialize)]
pub struct EntitlementView {
    pub item: ServiceItemView,
    pub entitled: bool,
    /// Why the rules cannot decide, when they cannot.
    pub undecided: Option<String>,
    /// Each amount's label and value in yuan.
    pub amounts: Vec<(String, String)>,
    /// The outcome and the conditions that decided it, in a few sentences.
    pub summary: String,
    /// The rule's full tree; staff only (empty for the resident).
    pub explanation: Vec<String>,
    /// The service program a caseworker may file an application for on the person's behalf
    /// (家庭养老床位, 适老化改造), when entitled and the viewer files applications.
    pub apply_for: Option<String>,
}

/// What the list grants one older person in a month.
#[derive(Debug, Serialize)]
pub struct EntitlementsView {
    pub household: String,
    pub member: usize,
    pub name: String,
    /// Masked.
    pub id_number: String,
    pub age: i64,
    pub month: String,
    pub list: String,
    pub version_from: String,
    pub version_reference: String,
    pub items: Vec<EntitlementView>,
    pub csrf: String,
}

impl EntitlementsView {
    pub fn entitled(&self) -> impl Iterator<Item = &EntitlementView> {
        self.items.iter().filter(|i| i.entitled)
    }
    pub fn not_entitled(&self) -> impl Iterator<Item = &EntitlementView> {
        self.items.iter().filter(|i| !i.entitled)
    }
}

/// A version of the list, as the public page lists them.
#[derive(Debug, Serialize)]
pub struct ListVersionView {
    pub from: String,
    pub reference: String,
    pub items: usize,
    pub shown: bool,
}

/// One street's published counts, the items in the list's order.
#[derive(Debug, Serialize)]
pub struct StreetCountView {
    pub code: String,
    pub name: String,
    pub persons: u64,
    pub items: Vec<u64>,
}

/// The public page of the basic elderly service list: the version in force on a day, the
/// earlier and later versions, and the latest counts published.
#[derive(Debug, Serialize)]
pub struct ServicesView {
    pub label: String,
    pub reference: String,
    pub on: String,
    pub version_from: String,
    pub version_reference: String,
    pub items: Vec<ServiceItemView>,
    pub versions: Vec<ListVersionView>,
    /// The month counted, its item labels and streets, when counts are published.
    pub counts_month: Option<String>,
    pub counts_published_at: String,
    pub count_labels: Vec<String>,
    pub streets: Vec<StreetCountView>,
    pub total: StreetCountView,
}

/// An area's care institutions in sum, as the public supervision page shows them.
#[derive(Debug, Serialize)]
pub struct InstitutionsSumView {
    pub area: String,
    pub institutions: usize,
    pub beds: u64,
    pub nursing_beds: u64,
    /// Nursing beds as a share of beds, in whole percent.
    pub nursing_percent: u64,
    /// Street centres and community stations (the service network without beds).
    pub centres: usize,
    pub stations: usize,
}

/// A draw as the public list shows it.
#[derive(Debug, Serialize)]
pub struct DrawSummaryView {
    pub id: i64,
    pub plan: String,
    pub area: String,
    pub drawn_at: String,
    pub drawn_by: String,
    pub seed: String,
    pub from_institutions: usize,
    pub from_inspectors: usize,
    pub drawn: usize,
    pub inspected: usize,
    pub failed_items: usize,
    pub reason: String,
    pub superseded_by: Option<i64>,
}

/// The public supervision page: the institutions by district and every draw.
#[derive(Debug, Serialize)]
pub struct SupervisionView {
    pub districts: Vec<InstitutionsSumView>,
    pub total: InstitutionsSumView,
    pub draws: Vec<DrawSummaryView>,
}

/// A failed item and its rectification.
#[derive(Debug, Serialize)]
pub struct FailureView {
    /// The checklist item's code and label.
    pub code: String,
    pub item: String,
    pub note: String,
    pub rectify_by: String,
    /// 整改中, 已整改 or 逾期未整改.
    pub status: String,
    pub rectified: String,
}

/// A drawn institution, its inspectors and what the inspection found.
#[derive(Debug, Serialize)]
pub struct DrawnView {
    pub code: String,
    pub name: String,
    pub area: String,
    pub team: String,
    pub inspected_on: Option<String>,
    pub failures: Vec<FailureView>,
}

/// One draw in full: what it was drawn from, so anyone can draw again, and its results.
#[derive(Debug, Serialize)]
pub struct DrawView {
    pub id: i64,
    pub plan: String,
    pub area: String,
    pub seed: String,
    pub share_permille: u32,
    pub per_institution: usize,
    pub drawn_at: String,
    pub drawn_by: String,
    pub reason: String,
    pub superseded_by: Option<i64>,
    /// Drawn again from the recorded inputs here, the same result.
    pub verified: bool,
    /// SHA-256 of what was drawn from (hex).
    pub base: String,
    pub institutions: String,
    pub inspectors: String,
    pub drawn: Vec<DrawnView>,
    /// The checklist: label, basis, method.
    pub checklist: Vec<(String, String, String)>,
    pub checklist_label: String,
}

/// The draw in Python, as the public page of a draw prints it.
pub const REDRAW_PROGRAM: &str = minsheng_eldercare::supervision::draw::REDRAW_PROGRAM;

/// The checklist form of one drawn institution's inspection.
#[derive(Debug, Serialize)]
pub struct InspectFormView {
    pub draw: i64,
    pub institution: String,
    pub name: String,
    pub team: String,
    /// Each checklist item: code, label, basis.
    pub items: Vec<(String, String, String)>,
}
