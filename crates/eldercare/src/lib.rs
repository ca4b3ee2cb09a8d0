//! The elderly-care context (养老服务): what an older person can still do, assessed by the
//! national standard (老年人能力评估, GB/T 42195-2022) and kept as a dated fact of the registry
//! that every rule can read.
//!
//! - [`domain`]: an assessment form and the procedure's checks (no IO): two assessors, one of
//!   whom reviews; a reassessment soon after the last one says why;
//! - [`storage`]: the assessments, reached as `store.assessments()`;
//! - [`assessments`]: the use case — a form scored by the catalog's ability scale, checked,
//!   and recorded with the level it finds;
//! - [`entitlements`]: what the basic elderly service list grants one older person in a month,
//!   each item explained by its rule, and an area's counts by item (no IO);
//! - [`publication`]: those counts computed over the registry and published, replacing the
//!   month's earlier ones in one transaction with their audit entry;
//! - [`roster`]: a service provider's roster — the older residents of its area and the
//!   service amounts the rules grant each (the catalog's `roster.yaml`);
//! - [`applications`]: home care beds and age-friendly refits — applied for, qualified by
//!   rule, assessed, a provider assigned, started and accepted, then paid through the ledger;
//! - [`facilities`]: the street centres and community stations of the city's service network;
//! - [`meals`]: meal aid (老年助餐) — a meal priced by the rules and split by who pays it, orders
//!   checked under the slot's locks, a canteen's month settled by funding source, approved by
//!   someone else and paid through the payments context's providers' ledger, misuse found;
//! - [`supervision`]: care institutions and their 双随机、一公开 inspections — a draw anyone can
//!   make again, results item by item, follow-ups with deadlines;
//! - [`visits`]: visiting care (探访关爱) — who is due a visit by risk tier, overdue and
//!   escalated, and the cases a visit raises;
//! - [`circle`]: the 15-minute elderly-service circle — the share of each community's older
//!   residents within walking reach of each kind of service point, the gaps, and where new
//!   stations would reach the most.
//!
//! Architecture invariant: an assessment, the level it sets in the registry from its day, and
//! its audit entry commit in one transaction.

#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

pub mod applications;
pub mod assessments;
pub mod circle;
pub mod domain;
pub mod entitlements;
pub mod facilities;
pub mod meals;
pub mod publication;
pub mod roster;
pub mod storage;
pub mod supervision;
pub mod visits;

pub use assessments::{assess, due, AssessError, Assessed};
pub use domain::AssessmentForm;
pub use storage::{AssessmentRecord, Assessments, AssessmentsStore, DueAssessment};
