import { gatewayErrors, type GatewayError } from '../../proxy/errors.js';
import { isRecord } from '../../../shared/json.js';

/**
 * Why each kind of object OpenAI stores is refused, and what to send instead. OpenAI keeps
 * them in TokenByte's organisation, which every account shares, and TokenByte routes none of
 * the APIs that create them: an id of one in a request is invalid, TokenByte's own, or
 * another account's.
 */
const REASONS = {
  prompt:
    "references a prompt stored with the provider; TokenByte does not route prompt management and cannot keep stored prompts private to your account — send the prompt's text in 'instructions' and 'input'.",
  file: "references a file stored with the provider; TokenByte does not route the Files API and cannot keep stored files private to your account — send the file inline with 'file_data' or 'file_url'.",
  image:
    "references a file stored with the provider; TokenByte does not route the Files API and cannot keep stored files private to your account — send the image inline with 'image_url' (a URL or a base64 data URL).",
  containerFiles:
    "references files stored with the provider; TokenByte does not route the Files API and cannot keep stored files private to your account — send the files inline in 'input', as input_file parts with 'file_data' or 'file_url'.",
  vectorStores:
    "references vector stores stored with the provider; TokenByte does not route the Vector Stores API and cannot keep vector stores private to your account — put the text to search in 'input' instead.",
  container:
    'references a container stored with the provider; TokenByte does not route the Containers API and cannot keep containers private to your account — let each request create its own (a code_interpreter container {"type": "auto"}, a shell environment {"type": "container_auto"}).',
  skill:
    'references a skill stored with the provider; TokenByte does not route the Skills API and cannot keep stored skills private to your account — send the skill inline ({"type": "inline"}).',
  tunnel:
    "references a Secure MCP Tunnel registered with the provider; TokenByte does not route tunnel management and cannot keep tunnels private to your account — connect to your MCP server with 'server_url'.",
} as const;

type Found = GatewayError | null;
type Check = (value: Readonly<Record<string, unknown>>, path: string) => Found;

/** Content parts whose file is an image, to be sent as `image_url` instead. */
const IMAGE_PARTS: ReadonlySet<unknown> = new Set(['input_image', 'computer_screenshot']);

/**
 * The first parameter of a Responses request that names an object OpenAI stores for the
 * organisation — a stored prompt, a file, vector stores, a container, a skill, an MCP
 * tunnel — as 400 `unsupported_parameter` with its JSON path as `param`; null when there is
 * none. Looked at: `prompt`; every tool in `tools` and in the `tools` of input items
 * (`additional_tools`, `tool_search_output`); the content parts of every input item's
 * `content` and `output` (a message, a function, custom tool or computer call's output).
 * Inline forms (`file_data`, `file_url`, `image_url`, inline skills, an automatic container)
 * pass. Items that record a past tool call (`code_interpreter_call.container_id`, a
 * `shell_call`'s `environment`, citations in output text) are not looked at: a client sends
 * its outputs back as they came, and what a call may reach is set by its tools.
 */
export function storedObjectReference(fields: Readonly<Record<string, unknown>>): Found {
  if (present(fields['prompt'])) return refuse('prompt', 'prompt');
  return eachRecord(fields['tools'], 'tools', toolReference) ?? eachRecord(fields['input'], 'input', itemReference);
}

function toolReference(tool: Readonly<Record<string, unknown>>, path: string): Found {
  if (present(tool['vector_store_ids'])) return refuse(`${path}.vector_store_ids`, 'vectorStores');
  if (present(tool['tunnel_id'])) return refuse(`${path}.tunnel_id`, 'tunnel');
  const mask = tool['input_image_mask'];
  if (isRecord(mask) && present(mask['file_id'])) return refuse(`${path}.input_image_mask.file_id`, 'image');
  // code_interpreter's `container`, shell's `environment`.
  return containerReference(tool['container'], `${path}.container`) ?? containerReference(tool['environment'], `${path}.environment`);
}

/** A container given by id (a string, a `container_reference`), or an automatic one given stored files or skills. */
function containerReference(container: unknown, path: string): Found {
  if (!present(container)) return null;
  if (!isRecord(container)) return refuse(path, 'container');
  if (present(container['container_id'])) return refuse(`${path}.container_id`, 'container');
  if (present(container['file_ids'])) return refuse(`${path}.file_ids`, 'containerFiles');
  return eachRecord(container['skills'], `${path}.skills`, (skill, at) => (present(skill['skill_id']) ? refuse(`${at}.skill_id`, 'skill') : null));
}

function itemReference(item: Readonly<Record<string, unknown>>, path: string): Found {
  const output = item['output'];
  return (
    eachRecord(item['content'], `${path}.content`, partReference) ??
    // A computer call's output is one screenshot; a function or custom tool call's, a list of parts.
    (isRecord(output) ? partReference(output, `${path}.output`) : eachRecord(output, `${path}.output`, partReference)) ??
    eachRecord(item['tools'], `${path}.tools`, toolReference)
  );
}

function partReference(part: Readonly<Record<string, unknown>>, path: string): Found {
  if (!present(part['file_id'])) return null;
  return refuse(`${path}.file_id`, IMAGE_PARTS.has(part['type']) ? 'image' : 'file');
}

/** The first refusal `check` finds among the objects of `list` (when it is an array), each at its index. */
function eachRecord(list: unknown, path: string, check: Check): Found {
  if (!Array.isArray(list)) return null;
  for (const [index, value] of list.entries()) {
    if (!isRecord(value)) continue;
    const found = check(value, `${path}[${index}]`);
    if (found !== null) return found;
  }
  return null;
}

function refuse(path: string, kind: keyof typeof REASONS): GatewayError {
  return gatewayErrors.unsupportedParameter(path, REASONS[kind]);
}

/** Given: not absent, not null, not an empty list (which names nothing). */
function present(value: unknown): boolean {
  return value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);
}

