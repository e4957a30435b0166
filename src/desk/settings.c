/* settings.c: what an administrator may set, checked (settings.h). */
#include <stdio.h>
#include <string.h>

#include "desk/settings.h"

static const char *const card_fields[SETTINGS_CARD_N] = {SETTINGS_CARD_FIELDS};

int settings_slug_ok(const char *s)
{
	size_t n = 0;

	if (!s || !*s || *s == '-')
		return 0;
	for (; s[n]; n++) {
		char c = s[n];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return 0;
	}
	return n <= 63;
}

static int hex_digit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int settings_colour(const char *in, char out[8])
{
	out[0] = '\0';
	if (!in)
		return -1;
	if (!*in)
		return 0;
	if (in[0] != '#' || strlen(in) != 7)
		return -1;
	for (int i = 1; i < 7; i++)
		if (!hex_digit(in[i]))
			return -1;
	for (int i = 0; i < 7; i++)
		out[i] = (char)(in[i] >= 'A' && in[i] <= 'F' ? in[i] - 'A' + 'a' : in[i]);
	out[7] = '\0';
	return 0;
}

int settings_card_index(const char *name)
{
	for (int i = 0; name && i < SETTINGS_CARD_N; i++)
		if (!strcmp(name, card_fields[i]))
			return i;
	return -1;
}

const char *settings_card_name(int i)
{
	return i >= 0 && i < SETTINGS_CARD_N ? card_fields[i] : NULL;
}

void settings_card_format(unsigned mask, char *out, size_t cap)
{
	size_t len = 0;

	if (!cap)
		return;
	out[0] = '\0';
	for (int i = 0; i < SETTINGS_CARD_N; i++) {
		int n;

		if (!(mask & (1u << i)))
			continue;
		n = snprintf(out + len, cap - len, "%s%s", len ? "," : "", card_fields[i]);
		if (n < 0 || (size_t)n >= cap - len) {
			out[len] = '\0'; /* a whole name or none */
			return;
		}
		len += (size_t)n;
	}
}

unsigned settings_card_parse(const char *list)
{
	unsigned mask = 0;
	char name[32];

	while (list && *list) {
		size_t n = strcspn(list, ",");

		if (n < sizeof name) {
			memcpy(name, list, n);
			name[n] = '\0';
			if (settings_card_index(name) >= 0)
				mask |= 1u << settings_card_index(name);
		}
		list += n;
		list += *list == ',';
	}
	return mask;
}
