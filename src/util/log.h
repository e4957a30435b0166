/* log.h: one logging call with levels, to stderr. Thread-safe (one fprintf per line). */
#ifndef RAPPORT_LOG_H
#define RAPPORT_LOG_H

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* Sets the most verbose level that is printed (default LOG_INFO). Call before threads start. */
void log_set_level(enum log_level level);

/* Prints one line "2026-11-22T11:28:11.123Z level [tag] message". tag names the part or the
 * connection/chat ("net", "chat 42"); it may be NULL. Any thread. */
void log_msg(enum log_level level, const char *tag, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_error(tag, ...) log_msg(LOG_ERROR, tag, __VA_ARGS__)
#define log_warn(tag, ...) log_msg(LOG_WARN, tag, __VA_ARGS__)
#define log_info(tag, ...) log_msg(LOG_INFO, tag, __VA_ARGS__)
#define log_debug(tag, ...) log_msg(LOG_DEBUG, tag, __VA_ARGS__)

#endif
