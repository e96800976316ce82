/** Reported by `GET /version`; bump with protocol-visible changes. */
export const SERVER_VERSION = "0.1.0";
