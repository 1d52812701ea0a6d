// Per-command help (`edo-clerk help send`, `edo-clerk send --help`), cut from the one usage text
// so that a command's help and the full list never disagree.

/** The usage's command blocks: a line indented by two spaces, then its deeper-indented continuation lines. */
function commandBlocks(usage: string): string[][] {
  const blocks: string[][] = [];
  for (const line of usage.split('\n')) {
    if (/^ {2}\S/.test(line)) blocks.push([line]);
    else if (/^ {3,}\S/.test(line) && blocks.length) blocks.at(-1)!.push(line);
  }
  return blocks;
}

/** The words of a block's first line before its arguments ("contact invite|accept|reject" → contact, invite, accept, reject). */
function wordsOf(line: string): string[] {
  const words: string[] = [];
  for (const token of line.trim().split(/[\s|]+/)) {
    if (!/^[a-z][a-z-]*$/.test(token)) break;
    words.push(token);
  }
  return words;
}

/**
 * The usage lines of `command` (one or two words: "send", "archive get"), with `trailer` (the
 * options every command takes); undefined when the usage names no such command. A block's
 * command is its first word, or each of "inbox | outbox"; further words are its subcommands.
 */
export function commandHelp(usage: string, command: string, trailer: string): string | undefined {
  const [head, ...sub] = command.trim().split(/\s+/);
  const blocks = commandBlocks(usage).filter((b) => {
    const words = wordsOf(b[0]!);
    const heads = /^[a-z-]+(?: \| [a-z-]+)+/.exec(b[0]!.trim())?.[0].split(' | ') ?? words.slice(0, 1);
    return heads.includes(head!) && sub.every((w) => words.includes(w));
  });
  if (!blocks.length) return undefined;
  // The usage's own heading word, in its language ("Usage: edo-clerk", "Использование: edo-clerk").
  const heading = /^(\S+: edo-clerk) /m.exec(usage)?.[1] ?? 'edo-clerk';
  return `${heading}\n${blocks.map((b) => b.join('\n')).join('\n')}\n\n${trailer}`;
}
