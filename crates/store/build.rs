//! `sqlx::migrate!` embeds the migrations at compile time; a new migration file must rebuild
//! the crate, which Cargo does not know without being told.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
