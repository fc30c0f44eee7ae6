-- A small online shop in SQLite.
-- SQLite accepts any type name, so columns use the names other databases understand
-- (VARCHAR(n), DATE, TIMESTAMP, BOOLEAN, DECIMAL) and the reader keeps them; SQLite has no
-- ENUM, so orders.status is a VARCHAR with a CHECK listing its values.

PRAGMA foreign_keys = ON;

BEGIN TRANSACTION;

CREATE TABLE customers (
    customer_id  INTEGER PRIMARY KEY AUTOINCREMENT,
    email        VARCHAR(255) NOT NULL UNIQUE CHECK (email LIKE '%_@_%'),
    full_name    VARCHAR(120) NOT NULL,
    birth_date   DATE CHECK (birth_date >= '1900-01-01'),
    is_business  BOOLEAN NOT NULL DEFAULT 0,
    created_at   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    profile      JSON
);

CREATE TABLE addresses (
    address_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id   INTEGER NOT NULL REFERENCES customers ON DELETE CASCADE,
    line1         VARCHAR(200) NOT NULL,
    city          VARCHAR(100) NOT NULL,
    postal_code   VARCHAR(16),
    country_code  CHAR(2) NOT NULL CHECK (length(country_code) = 2)
);

CREATE TABLE categories (
    category_id  INTEGER PRIMARY KEY,
    parent_id    INTEGER REFERENCES categories (category_id) ON DELETE SET NULL,
    name         VARCHAR(80) NOT NULL UNIQUE,
    slug         VARCHAR(80) NOT NULL
);

CREATE TABLE products (
    product_id    INTEGER PRIMARY KEY,
    sku           VARCHAR(32) NOT NULL UNIQUE,
    name          VARCHAR(200) NOT NULL,
    price         DECIMAL(10, 2) NOT NULL CHECK (price >= 0),
    weight_grams  INTEGER CHECK (weight_grams BETWEEN 1 AND 100000),
    is_active     BOOLEAN NOT NULL DEFAULT 1,
    launched_on   DATE
);

CREATE TABLE product_categories (
    product_id   INTEGER NOT NULL REFERENCES products (product_id) ON DELETE CASCADE,
    category_id  INTEGER NOT NULL REFERENCES categories (category_id) ON DELETE CASCADE,
    PRIMARY KEY (product_id, category_id)
) WITHOUT ROWID;

CREATE TABLE orders (
    order_id             INTEGER PRIMARY KEY,
    customer_id          INTEGER NOT NULL REFERENCES customers (customer_id),
    billing_address_id   INTEGER NOT NULL REFERENCES addresses (address_id),
    shipping_address_id  INTEGER REFERENCES addresses (address_id),  -- NULL: ship to billing
    status               VARCHAR(9) NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'paid', 'shipped', 'delivered', 'cancelled')),
    payment_method       VARCHAR(20) NOT NULL CHECK (payment_method IN ('card', 'paypal', 'invoice')),
    ordered_at           TIMESTAMP NOT NULL,
    delivered_on         DATE,
    CHECK (delivered_on IS NULL OR delivered_on >= date(ordered_at))
);

CREATE TABLE order_items (
    order_id    INTEGER NOT NULL,
    line_no     SMALLINT NOT NULL CHECK (line_no >= 1),
    product_id  INTEGER NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity > 0 AND quantity <= 999),
    unit_price  DECIMAL(10, 2) NOT NULL,
    PRIMARY KEY (order_id, line_no),
    UNIQUE (order_id, product_id),
    FOREIGN KEY (order_id) REFERENCES orders (order_id) ON DELETE CASCADE,
    FOREIGN KEY (product_id) REFERENCES products (product_id)
) WITHOUT ROWID;

CREATE INDEX orders_by_customer ON orders (customer_id, ordered_at);

COMMIT;
