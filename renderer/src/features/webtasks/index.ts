// The webtasks feature registers its views here (see ../../shell/registry.ts).
export {};
