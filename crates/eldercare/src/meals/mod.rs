//! Meal aid (老年助餐): canteens, orders placed at a canteen or by a relative, each meal priced
//! by the rules and split by who pays it, a canteen's month settled by funding source, and the
//! checks that find misuse.
//!
//! - [`domain`]: the pricing, the order's and the cancellation's checks, the month's statement
//!   and the misuse checks (no IO).

pub mod domain;

pub use domain::{
    check_cancel, check_order, misuse, Canteen, Misuse, OrderContext, Quote, ServedMeal, Service,
    Slot, Statement, Terms,
};
