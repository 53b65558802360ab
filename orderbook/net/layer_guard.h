/*
 * Forced into every source of net/ (orderbook/CMakeLists.txt, -include). net moves bytes: it
 * knows nothing of books, records, the logger or the configuration file. Their headers are
 * out of its include path already; poisoning one name each declares also stops a header
 * reached by a relative path.
 */
#pragma GCC poison cap_create sync_event_in book_init alog_open cfg_load
