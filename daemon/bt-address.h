/* SPDX-License-Identifier: MIT */
/*
 * bt-address.h - Bluetooth device addresses as users type them and as
 * BlueZ shows them. Pure: any thread.
 */
#ifndef GYMHUB_BT_ADDRESS_H
#define GYMHUB_BT_ADDRESS_H

#include <stdbool.h>

#define BT_ADDRESS_LEN 18 /* "AA:BB:CC:DD:EE:FF" and its NUL */

/*
 * "aa:bb:cc:dd:ee:ff", "AA-BB-..." or BlueZ's path form "AA_BB_..." as
 * "AA:BB:CC:DD:EE:FF"; false (and @out untouched) when @in is not one.
 */
bool bt_address_parse(const char *in, char out[BT_ADDRESS_LEN]);

#endif
