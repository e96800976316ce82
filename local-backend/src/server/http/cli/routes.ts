/** The routes the Convex CLI calls beyond `/api/function` (registered by ../router.ts). */
import type { HttpContext, Reply } from "../context.js";
import { updateEnvironmentVariables } from "./environment.js";
import { getZipExport, requestZipExport } from "./exportRoutes.js";
import { finishUpload, performImport, startUpload, uploadPart } from "./importRoutes.js";
import { streamFunctionLogs } from "./functionLog.js";
import { evaluatePush, finishPush, getCanonicalUrls, getConfigHashes, reportPushCompleted, startPush, waitForSchema } from "./push.js";

type Handler = (ctx: HttpContext, rest: string) => Promise<Reply>;

export const CLI_ROUTES: { path: string | RegExp; methods: Partial<Record<string, Handler>> }[] = [
  { path: "/api/v1/get_canonical_urls", methods: { GET: getCanonicalUrls } },
  { path: "/api/get_config_hashes", methods: { POST: getConfigHashes } },
  { path: "/api/deploy2/start_push", methods: { POST: startPush } },
  { path: "/api/deploy2/evaluate_push", methods: { POST: evaluatePush } },
  { path: "/api/deploy2/wait_for_schema", methods: { POST: waitForSchema } },
  { path: "/api/deploy2/finish_push", methods: { POST: finishPush } },
  { path: "/api/deploy2/report_push_completed", methods: { POST: reportPushCompleted } },
  { path: "/api/update_environment_variables", methods: { POST: updateEnvironmentVariables } },
  { path: "/api/stream_function_logs", methods: { GET: streamFunctionLogs } },
  { path: "/api/export/request/zip", methods: { POST: requestZipExport } },
  { path: /^\/api\/export\/zip\/([^/]+)$/, methods: { GET: getZipExport } },
  { path: "/api/import/start_upload", methods: { POST: startUpload } },
  { path: "/api/import/upload_part", methods: { POST: uploadPart } },
  { path: "/api/import/finish_upload", methods: { POST: finishUpload } },
  { path: "/api/perform_import", methods: { POST: performImport } },
];
