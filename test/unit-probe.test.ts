import { it } from "vitest";
import { parseBody } from "/work/main/apps/shared/message";
import { loadConfig } from "/work/main/apps/shared/config";
const tryIt = (s: any) => { try { console.log(JSON.stringify(parseBody(s))); } catch (e: any) { console.log(e.name, "|", e.message, "|", e.field); } };
it("probe", () => {
  tryIt('{"stage":"chunk","status":"STARTED"}');
  tryIt('{"jobId":"j","status":"STARTED"}');
  tryIt('{"jobId":"j","stage":"chunk"}');
  tryIt('{"jobId":5,"stage":"chunk","status":"STARTED"}');
  tryIt('{"jobId":"j","stage":"x","status":"STARTED"}');
  tryIt('{"jobId":"j","stage":"chunk","status":"DONE"}');
  tryIt('{"jobId":"j","stage":"chunk","status":"FAILED","error":"bad "quote""}');
  tryIt('{"jobId":"j","stage":"chunk","status":"STARTED","images":"x"}');
  tryIt('{"jobId":"j","stage":"chunk","status":"STARTED","images":["nope"]}');
  tryIt('{"jobId":"j","stage":"chunk","status":"STARTED","target":"ftp://x"}');
  tryIt('{"jobId":"j","stage":"chunk","status":"STARTED","error":5}');
  tryIt('{"jobId":"..","stage":"chunk","status":"STARTED"}');
  tryIt('{"jobId":"a\\u0001b","stage":"chunk","status":"STARTED"}');
  tryIt('{"jobId":"j","stage":"chunk","status":"STARTED","x":{"__proto__":1}}');
  tryIt('{"jobId":"j","stage":"mosaic","status":"FINISHED","images":["http://a/b"]}');
  tryIt('{"jobId":"j","stage":"mosaic","status":"FINISHED","target":"s3://a/b"}');
  for (const [k,v] of [["MOCK_OAM_API","maybe"],["OAM_SQS_WAIT_SECONDS","abc"],["OAM_STATUS_BUCKET","Bad_Bucket"],["OAM_STATUS_PREFIX","a/../b"],["OAM_JANITOR_SCHEDULE","not cron"],["OAM_CATALOG_URL","ftp://x"],["DAYS_RETENTION","-1"],["OAM_BUS_PUB_ENDPOINT","tcp://127.0.0.1.evil.example:5555"]]) {
    try { loadConfig("cli", {[k]: v}); console.log(k, "ok"); } catch (e: any) { console.log(e.name, "|", e.message, "|", e.variable); }
  }
});
