//! The rules of social assistance as plain values (no IO): the MCA procedure as a state
//! machine ([`cases`]) and what a sweep raises for one household ([`discovery`]).

pub mod cases;
pub mod discovery;
pub mod notices;
