//! The medical-insurance context (医疗保障): who is insured for which year, and claims settled
//! by the catalog's rules with each person's year kept in claim order.
//!
//! - [`domain`]: a claim as a hospital sends it, checked field by field; the person's cover and
//!   year so far; a settlement from the rules (no IO);
//! - [`storage`]: hospitals, the catalogue, cover, accounts, years and claims, reached as
//!   `store.medical()`;
//! - [`enrolment`]: the synthetic city's hospitals, catalogue and cover;
//! - [`settlement`]: the use cases — settle a claim (idempotent by the hospital's number),
//!   reverse it, explain it line by line;
//! - [`reconciliation`]: a hospital's day as a file;
//! - [`synthetic`]: the synthetic city's claims of a month, posted and settled;
//! - [`transfer`]: the insurance relation moved between pooling areas (转移接续), in and out;
//! - [`stop`]: an employee's cover stopped when the registry says the employment ended (停保);
//! - [`elsewhere`]: out-of-town care registration (异地就医备案), long-term (reviewed) and
//!   temporary (self-service, at once); the settlement reads it for care out of the province;
//! - [`family`]: family mutual aid of the employees' personal account (个人账户家庭共济): a
//!   spouse, parent or child bound to an employee's account, which their claims then draw on;
//! - [`aid`]: whom medical assistance (医疗救助) helps: 特困 and 低保 by their enrolments, the
//!   others as the civil-affairs bureau recognises them; the assistance is settled with the claim;
//! - [`care`]: long-term care insurance (长期护理保险): designated care providers, persons
//!   qualified by a disability assessment, a provider's month settled by its own rules
//!   (`policies/qingdao-ltc`) and paid through the payments context's ledger;
//! - [`burden`]: high out-of-pocket costs in the last twelve months (防止因病返贫), listed with
//!   the medical assistance that helps, and written into the registry the sweep reads;
//! - [`batch`]: many claims settled at once by the batch executor, each person's year in order;
//! - [`whatif`]: the claims of a period settled again under a reform, by district and visit.
//!
//! The rules are a policy folder of their own (`policies/qingdao-medical`): entities declared
//! in data (a claim and its lines), evaluated by the same engine as the assistance catalog.
//!
//! Architecture invariant: a settlement, the year it moves (the scheme's, and for an object of
//! medical assistance the assistance's), the account it draws on and its audit entry commit in
//! one transaction, with the person's years locked, so a person's claims settle one after
//! another and each reads every earlier one.

#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

pub mod aid;
pub mod batch;
pub mod burden;
pub mod care;
pub mod domain;
pub mod elsewhere;
pub mod enrolment;
pub mod family;
pub mod reconciliation;
pub mod settlement;
pub mod stop;
pub mod storage;
pub mod synthetic;
pub mod transfer;
pub mod whatif;

pub use domain::{
    Aid, Claim, Class, Cover, Level, Place, Scheme, Settlement, Tier, Visit, YearToDate,
};
pub use settlement::{
    explain, reverse, settle, settle_all, settle_together, ClaimError, Explained, Posted, Request,
};
pub use storage::{ClaimRecord, Hospital, Item, Medical, MedicalStore, Recognition};
