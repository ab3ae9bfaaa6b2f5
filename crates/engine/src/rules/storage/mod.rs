//! Storage rules: media on local disk, files served by Python workers, whole files in memory.

pub mod sto101_local_media_storage;
pub mod sto102_file_served_by_django;
pub mod sto103_file_read_into_memory;
