/*
** error.c: the tarn_error value and status names (see core.h).
*/
#include "core/core.h"

#include <stdio.h>
#include <string.h>

int tarn_error_set(tarn_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

int tarn_error_errno(tarn_error *err, int code, int errnum, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < sizeof err->msg)
            snprintf(err->msg + n, sizeof err->msg - (size_t)n, ": %s",
                     strerror(errnum));
    }
    return code;
}

void tarn_error_prefix(tarn_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    char old[TARN_ERROR_MAX];
    memcpy(old, err->msg, sizeof old);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof err->msg)
        snprintf(err->msg + n, sizeof err->msg - (size_t)n, "%s", old);
}

const char *tarn_status_name(int code)
{
    switch (code) {
    case TARN_OK: return "OK";
    case TARN_ERR_INVALID: return "InvalidArgument";
    case TARN_ERR_NOTFOUND: return "NotFound";
    case TARN_ERR_EXISTS: return "AlreadyExists";
    case TARN_ERR_NOTEMPTY: return "NotEmpty";
    case TARN_ERR_IO: return "IOError";
    case TARN_ERR_NOMEM: return "OutOfMemory";
    case TARN_ERR_CORRUPT: return "Corrupt";
    case TARN_ERR_UNSUPPORTED: return "Unsupported";
    case TARN_ERR_LIMIT: return "LimitExceeded";
    case TARN_ERR_ACCESS: return "AccessDenied";
    default: return "InternalError";
    }
}
