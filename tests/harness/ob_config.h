/* orderbook's configuration file for a run against the fake Binance. */
#ifndef OB_CONFIG_H
#define OB_CONFIG_H

#include "ob_run.h"

/* Write r->conf: the settings that point orderbook at r's fake server, changed or added to by
 * `settings`, each "section.key = value" (spaces optional), NULL-terminated. The defaults:
 *
 *   [log]      dir = r->logs
 *   [binance]  ws_url = wss://localhost:PORT, rest_url = https://localhost:PORT,
 *              snapshot_limit = 100, ca_file = <certs>/ca.pem, legs = 1,
 *              ws_url_b = wss://localhost:PORT_B when the server listens for leg b
 *
 * A setting of a default key replaces its value ("binance.ca_file =" leaves none); any other
 * is added to its section, and sections are written in the order first named. Asserts. */
void ob_write_config(ob_run *r, ...) __attribute__((sentinel));

/* The same with the settings as an array (NULL-terminated; may be NULL). */
void ob_write_config_v(ob_run *r, const char *const settings[]);

/* Write `text` to `path` as it is (asserts): a configuration a test spells out whole. */
void ob_write_file(const char *path, const char *text);

#endif
