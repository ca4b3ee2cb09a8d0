//! The assistance tables, on the store's shared infrastructure: applications and cases
//! (`store.cases()`), sweeps and findings (`store.discovery()`), residents' requests
//! (`store.requests()`).

pub mod cases;
pub mod discovery;
pub mod requests;

pub use cases::{CaseEvent, CaseFilter, CaseRecord, Cases, CasesStore, NewApplication, Objection};
pub use discovery::{Discovery, DiscoveryStore, StoredFinding, SweepRecord};
pub use requests::{RequestRecord, Requests, RequestsStore};
