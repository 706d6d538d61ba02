// hello.js: the JavaScript twin of hello.lua; both return the same JSON.
//   llmspell run examples/hello.js -- --name world
const name = ARGS.name || "world";
print("Hello, " + name + "!");

const words = "the quick brown fox".match(/[a-z]+/g).map((w) => w.toUpperCase());

return {
  greeting: "Hello, " + name,
  words: words,
  digest: Utils.hash(name, "sha256"),
  parsed: JSON.parse('{"ok": true, "n": [1, 2, 3]}'),
};
