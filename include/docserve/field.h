/* field.h: HTTP field syntax shared by every header parser (RFC 9110 §5.5,
 * §5.6): tokens, optional whitespace, quoted strings, comma-separated lists,
 * weights, and the Host grammar (RFC 9112 §3.2, RFC 3986 §3.2.2-3.2.3).
 * Pure functions over (pointer, length) spans; nothing here allocates. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Largest weight: q=1 in thousandths. */
#define DS_FIELD_Q_MAX 1000u

/* TRUE for an RFC 9110 §5.6.2 tchar. */
gboolean ds_field_is_tchar (int c);

/* TRUE when @s[0..@len) is a non-empty token. */
gboolean ds_field_is_token (const char *s, gsize len);

/* TRUE for SP or HTAB (RFC 9110 §5.6.3 OWS). */
gboolean ds_field_is_ows (int c);

/* TRUE when every byte of @s[0..@len) may stand in a field value (RFC 9110
 * §5.5: VCHAR, obs-text, SP, HTAB): no control byte but HTAB, no DEL, so
 * nothing that could end a header line.  Empty: TRUE. */
gboolean ds_field_value_is_valid (const char *s, gsize len);

/* The first position in [@p, @end) that is not OWS (@end if none). */
const char *ds_field_skip_ows (const char *p, const char *end);

/* @end moved back over trailing OWS, never before @start. */
const char *ds_field_trim_ows_end (const char *start, const char *end);

/* Trims leading and trailing OWS off the span *@s / *@len in place. */
void ds_field_trim_ows (const char **s, gsize *len);

/* TRUE when @s[0..@len) equals @literal ignoring ASCII case. */
gboolean ds_field_equals (const char *s, gsize len, const char *literal);

/* @p points at a DQUOTE: returns the position just after the closing DQUOTE
 * of the quoted-string (RFC 9110 §5.6.4, quoted-pairs honoured), or NULL
 * when it is unterminated before @end or holds a byte qdtext forbids. */
const char *ds_field_skip_quoted (const char *p, const char *end);

/* Iterates a #list (RFC 9110 §5.6.1): from *@pos (advanced past the element
 * and its comma) to @end, stores the next non-empty element, OWS trimmed, in
 * @out_elem / @out_len and returns TRUE; FALSE when only empty elements are
 * left.  Commas inside quoted strings do not split. */
gboolean ds_field_list_next (const char **pos, const char *end, const char **out_elem,
                             gsize *out_len);

/* ds_field_list_next for a list whose grammar has no quoted-string
 * (Accept-Encoding, Connection, Range): every comma ends an element, and a
 * DQUOTE is an ordinary byte that the caller's grammar then refuses. */
gboolean ds_field_list_next_unquoted (const char **pos, const char *end, const char **out_elem,
                                      gsize *out_len);

/* TRUE when the NUL-terminated list @value has an element equal to @token
 * (ASCII case-insensitive), e.g. "close" in a Connection field.  The list
 * is split at every comma (ds_field_list_next_unquoted), as libmicrohttpd
 * reads Connection: a connection-option is a token, never quoted.
 * NULL: FALSE. */
gboolean ds_field_list_has (const char *value, const char *token);

/* Parses the weight @s[0..@len) (RFC 9110 §12.4.2 qvalue: "0", "0.5", "1",
 * "1.000", at most three decimals) into thousandths.  FALSE when malformed. */
gboolean ds_field_parse_qvalue (const char *s, gsize len, guint *out_q);

/* Finds the weight among the parameters of a list element (the part after
 * its first ';'): TRUE with *@out_q (DS_FIELD_Q_MAX when there is no "q"
 * parameter); FALSE when a "q" parameter is malformed.  @params may be NULL
 * (no parameters).  Parameters after the weight are ignored. */
gboolean ds_field_element_weight (const char *params, const char *end, guint *out_q);

/* TRUE when @s[0..@len) is a valid Host field value: uri-host [ ":" port ]
 * (RFC 3986: IP-literal, IPv4address or reg-name, the port only digits).
 * The caller trims OWS first.  The host must not be empty: RFC 9112 §3.2
 * allows an empty Host only for a target URI without an authority, and an
 * "http" URI always has one (RFC 9110 §4.2.1); nginx answers 400 too. */
gboolean ds_field_host_is_valid (const char *s, gsize len);

G_END_DECLS
