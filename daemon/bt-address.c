/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <string.h>

#include "bt-address.h"

bool bt_address_parse(const char *in, char out[BT_ADDRESS_LEN])
{
	char tmp[BT_ADDRESS_LEN];
	int i;

	if (!in || strlen(in) != BT_ADDRESS_LEN - 1)
		return false;
	for (i = 0; i < BT_ADDRESS_LEN - 1; i++) {
		unsigned char c = (unsigned char)in[i];

		if (i % 3 == 2) {
			/* one separator kind for the whole address */
			if ((c != ':' && c != '-' && c != '_') ||
			    (i > 2 && c != (unsigned char)in[2]))
				return false;
			tmp[i] = ':';
		} else if (isxdigit(c)) {
			tmp[i] = (char)toupper(c);
		} else {
			return false;
		}
	}
	tmp[BT_ADDRESS_LEN - 1] = '\0';
	memcpy(out, tmp, BT_ADDRESS_LEN);
	return true;
}
